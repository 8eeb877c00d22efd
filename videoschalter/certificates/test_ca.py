"""A local TEST CA and office signing certificate for the demo and the tests – never for real documents.

Every subject says "TEST-CA – nicht für den Echtbetrieb", so a certificate signed
with it cannot be mistaken for an official one. Creation is idempotent: files that
exist and load are reused; secrets are written 0600 into a 0700 folder.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

TEST_MARK = "TEST-CA – nicht für den Echtbetrieb"
CA_COMMON_NAME = f"Videoschalter {TEST_MARK}"
# RFC 9336 id-kp-documentSigning; Adobe's "Authentic Documents Trust" purpose for PDF readers that predate it.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
ADOBE_AUTHENTIC_DOCUMENTS = ObjectIdentifier("1.2.840.113583.1.1.5")

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
OFFICE_P12 = "office.p12"
OFFICE_CERT = "office.pem"
PASSWORD_FILE = "office.p12.password"

KeyType = Literal["ec-p256", "rsa-3072"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class TestPki:
    """Where the test PKI lives; what ``load_signer`` and ``verify_pdf`` need."""

    __test__ = False  # not a pytest test class despite its name

    folder: Path
    ca_cert: Path
    office_p12: Path
    office_cert: Path
    password_file: Path

    def password(self) -> bytes:
        return self.password_file.read_bytes().strip()


def ensure_test_pki(folder: Path, office_name: str = "Stadt Musterstadt", *, key_type: KeyType = "ec-p256",
                    now: dt.datetime | None = None) -> TestPki:
    """Create (or reuse) a test CA and an office signing certificate in folder, e.g. data/pki/."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    pki = TestPki(folder, folder / CA_CERT, folder / OFFICE_P12, folder / OFFICE_CERT, folder / PASSWORD_FILE)
    now = now or dt.datetime.now(dt.UTC)

    if not pki.password_file.exists():
        _write_secret(pki.password_file, secrets.token_urlsafe(24).encode() + b"\n")
    password = pki.password()

    ca = _load_ca(folder, password)
    if ca is None:
        ca_key = _new_key(key_type)
        ca_cert = _ca_certificate(ca_key, now)
        _write_secret(folder / CA_KEY, ca_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password)))
        _write_public(pki.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM))
        pki.office_p12.unlink(missing_ok=True)  # issued by a CA that is gone
    else:
        ca_key, ca_cert = ca

    if not _office_usable(pki, password, ca_cert):
        office_key = _new_key(key_type)
        office_cert = _office_certificate(office_key, office_name, ca_key, ca_cert, now)
        p12 = pkcs12.serialize_key_and_certificates(
            b"office", office_key, office_cert, [ca_cert], serialization.BestAvailableEncryption(password))
        _write_secret(pki.office_p12, p12)
        _write_public(pki.office_cert, office_cert.public_bytes(serialization.Encoding.PEM))
    return pki


def create_ca(common_name: str, *, key_type: KeyType = "ec-p256",
              now: dt.datetime | None = None) -> tuple[PrivateKey, x509.Certificate]:
    """A bare CA key and certificate in memory (tests use it for an untrusted second CA)."""
    key = _new_key(key_type)
    return key, _ca_certificate(key, now or dt.datetime.now(dt.UTC), common_name)


def issue_office_certificate(ca_key: PrivateKey, ca_cert: x509.Certificate, office_name: str, *,
                             key_type: KeyType = "ec-p256",
                             now: dt.datetime | None = None) -> tuple[PrivateKey, x509.Certificate]:
    """A document-signing certificate for office_name issued by the given CA."""
    key = _new_key(key_type)
    return key, _office_certificate(key, office_name, ca_key, ca_cert, now or dt.datetime.now(dt.UTC))


def _new_key(key_type: KeyType) -> PrivateKey:
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa-3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    raise ValueError(f"unbekannter Schlüsseltyp {key_type!r}")


def _ca_certificate(key: PrivateKey, now: dt.datetime, common_name: str = CA_COMMON_NAME) -> x509.Certificate:
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Videoschalter {TEST_MARK}"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=10 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )


def _office_certificate(key: PrivateKey, office_name: str, ca_key: PrivateKey, ca_cert: x509.Certificate,
                        now: dt.datetime) -> x509.Certificate:
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, office_name),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_MARK),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{office_name} (TEST – nicht für den Echtbetrieb)"),
    ])
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(min(now + dt.timedelta(days=2 * 365), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ADOBE_AUTHENTIC_DOCUMENTS,
                                              ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _load_ca(folder: Path, password: bytes) -> tuple[PrivateKey, x509.Certificate] | None:
    try:
        cert = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
        key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), password)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        return None
    return key, cert


def _office_usable(pki: TestPki, password: bytes, ca_cert: x509.Certificate) -> bool:
    """The office PKCS#12 exists, opens with our password and was issued by this CA."""
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(pki.office_p12.read_bytes(), password)
    except (OSError, ValueError, TypeError):
        return False
    if key is None or cert is None or not pki.office_cert.exists():
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _write_secret(path: Path, data: bytes) -> None:
    _write_atomic(path, data, 0o600)


def _write_public(path: Path, data: bytes) -> None:
    _write_atomic(path, data, 0o644)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write via a temporary file created with the final mode, so a secret is never readable by others."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)  # the umask may have narrowed it
    os.replace(tmp, path)
