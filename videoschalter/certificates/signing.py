"""PAdES signature of our PDFs with the office's certificate, via pyHanko.

The key is loaded once at start (``load_signer``) and reused for every document:
opening a PKCS#12 file is slower than signing. Errors name the file and the cause
so a town's IT can fix the configuration without reading code.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

SIGNATURE_FIELD = "Signatur"
DEFAULT_REASON = "Meldebescheinigung"
# Room for what the CMS container holds besides the certificates: signed attributes (~400 B),
# the signature (≤ 512 B for RSA-4096) and ASN.1 framing. Generous: unused room is only zeros.
_CMS_OVERHEAD = 3072
SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey


class SigningConfigError(ValueError):
    """The signing key or certificate cannot be loaded as configured."""


class _CachedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key for every signature; with RSA that
    means cryptography's full key check each time (hundreds of ms). We keep the parsed key."""

    def __init__(self, key: SigningKey, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        key = self._key
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, hash_algo = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algo)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if algo in ("ed25519", "ed448") and isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
            return key.sign(data)
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class OfficeSigner:
    """A loaded office key with its certificate chain, and where the office signs (its town)."""

    signer: signers.SimpleSigner
    location: str
    bytes_reserved: int  # hex digits reserved for the signature: spares pyHanko a trial signature per PDF
    subject: str  # the certificate's subject, for logs and the admin page
    not_valid_after: str  # ISO date, so the admin page can warn before it expires


@dataclass(frozen=True)
class SigningSettings:
    """The ``[certificates]`` entries of a town's configuration that say where the key is."""

    key_file: Path  # office.p12 / .pfx, or a PEM private key
    location: str  # the town; printed as the signature's location
    cert_file: Path | None = None  # PEM certificate, only with a PEM key
    chain_files: tuple[Path, ...] = ()  # intermediate CA certificates, PEM or DER
    password_file: Path | None = None  # file holding the password (0600), first line
    password_env: str = ""  # or: name of an environment variable holding it


def load_signer_from_settings(settings: SigningSettings) -> OfficeSigner:
    """Resolve the password as configured and load the key."""
    password: bytes | None = None
    if settings.password_file is not None:
        try:
            password = settings.password_file.read_bytes().splitlines()[0].strip()
        except (OSError, IndexError) as err:
            raise SigningConfigError(f"Passwortdatei {settings.password_file} nicht lesbar: {err}") from err
    elif settings.password_env:
        value = os.environ.get(settings.password_env)
        if value is None:
            raise SigningConfigError(f"Umgebungsvariable {settings.password_env} für das Schlüsselpasswort fehlt")
        password = value.encode()
    return load_signer(settings.key_file, location=settings.location, password=password,
                       cert_file=settings.cert_file, chain_files=settings.chain_files)


def load_signer(key_file: Path, *, location: str, password: bytes | str | None = None,
                cert_file: Path | None = None, chain_files: Sequence[Path] = ()) -> OfficeSigner:
    """Load a PKCS#12 file (.p12/.pfx) or a PEM key plus ``cert_file`` into a pyHanko signer."""
    if isinstance(password, str):
        password = password.encode()
    key_file = Path(key_file)
    try:
        raw = key_file.read_bytes()
    except OSError as err:
        raise SigningConfigError(f"Signaturschlüssel {key_file} nicht lesbar: {err}") from err

    extra: list[x509.Certificate] = []
    if cert_file is None:
        try:
            key, cert, extra_certs = pkcs12.load_key_and_certificates(raw, password)
        except ValueError as err:
            raise SigningConfigError(f"{key_file}: keine PKCS#12-Datei oder falsches Passwort ({err})") from err
        if key is None or cert is None:
            raise SigningConfigError(f"{key_file}: PKCS#12-Datei enthält keinen Schlüssel mit Zertifikat")
        extra += extra_certs
    else:
        try:
            key = serialization.load_pem_private_key(raw, password)
        except (ValueError, TypeError) as err:
            raise SigningConfigError(f"{key_file}: kein PEM-Schlüssel oder falsches Passwort ({err})") from err
        cert = _load_certs(Path(cert_file))[0]
    for path in chain_files:
        extra += _load_certs(Path(path))

    if not isinstance(key, SigningKey):
        raise SigningConfigError(f"{key_file}: Schlüsseltyp {type(key).__name__} wird nicht unterstützt")
    if cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) \
            != key.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo):
        raise SigningConfigError(f"{key_file}: Schlüssel und Zertifikat gehören nicht zusammen")

    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    signing_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra]
    signer = _CachedKeySigner(key, signing_cert=signing_cert, signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
                              cert_registry=SimpleCertificateStore.from_certs(chain))
    # pyHanko counts the placeholder in hex digits: two per byte of the DER container.
    reserved = 2 * (_CMS_OVERHEAD + len(signing_cert.dump()) + sum(len(c.dump()) for c in chain))
    return OfficeSigner(signer=signer, location=location, bytes_reserved=reserved,
                        subject=cert.subject.rfc4514_string(),
                        not_valid_after=cert.not_valid_after_utc.date().isoformat())


def sign_pdf(pdf_bytes: bytes, signer: OfficeSigner, *, reason: str = DEFAULT_REASON) -> bytes:
    """Add an invisible PAdES baseline (B-B) certification signature as an incremental update."""
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=signer.location,
        # A certification signature that forbids any later change: PDF readers then flag every
        # edit, annotation or form entry made after issue, not only changes to the signed bytes.
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    try:
        return _sign(pdf_bytes, meta, signer, signer.bytes_reserved)
    except SigningError as err:
        if "larger than expected" not in str(err):
            raise
        # Our fixed reservation was too small (an unusually large chain): let pyHanko measure.
        return _sign(pdf_bytes, meta, signer, None)


def _sign(pdf_bytes: bytes, meta: signers.PdfSignatureMetadata, signer: OfficeSigner,
          bytes_reserved: int | None) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer.signer).sign_pdf(writer, output=out, bytes_reserved=bytes_reserved)
    return out.getvalue()


def _load_certs(path: Path) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SigningConfigError(f"Zertifikatsdatei {path} nicht lesbar: {err}") from err
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as err:
        raise SigningConfigError(f"{path}: kein X.509-Zertifikat ({err})") from err
