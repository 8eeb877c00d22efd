"""Checking a signed PDF: is it unchanged since signing, is the signature valid, do we trust the signer?

Wraps pyHanko's validator so callers get one plain result and never an exception for a
broken or foreign file. pyHanko runs its own event loop: from async code (aiohttp) call
``verify_pdf`` via ``asyncio.to_thread``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from videoschalter.certificates.registry import DocumentRegistry, IssuedDocument
from videoschalter.certificates.view import verification_view

__all__ = [
    "DocumentRegistry",
    "IssuedDocument",
    "VerificationResult",
    "document_hash",
    "load_trust_roots",
    "verification_view",
    "verify_pdf",
]

log = logging.getLogger(__name__)
TrustRoot = asn1_x509.Certificate | bytes | Path
# Updates after signing that leave the signed content as it was (a later timestamp or validation data).
_HARMLESS = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


@dataclass(frozen=True)
class VerificationResult:
    """What a check of a PDF found. ``ok`` is the one answer a citizen or a clerk needs."""

    sha256: str
    signed: bool  # has at least one signature
    intact: bool  # signed bytes unchanged and nothing relevant added after signing
    valid: bool  # the signature itself is cryptographically correct
    trusted: bool  # the signer's certificate chains up to one of our trust roots
    signer_name: str = ""
    signing_time: dt.datetime | None = None
    covers_whole_file: bool = False
    problem: str = ""  # why not ok, in German, for logs and the check page

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.trusted


def document_hash(pdf_bytes: bytes) -> str:
    """SHA-256 of the file as hex: what the registry stores at issue and the check page compares."""
    return hashlib.sha256(pdf_bytes).hexdigest()


def load_trust_roots(paths: Iterable[Path]) -> list[asn1_x509.Certificate]:
    """Read CA certificates (PEM, possibly several per file, or DER) to trust."""
    roots: list[asn1_x509.Certificate] = []
    for path in paths:
        roots += _parse_certs(Path(path).read_bytes())
    return roots


def verify_pdf(pdf_bytes: bytes, trust_roots: Iterable[TrustRoot], *,
               allow_fetching: bool = False) -> VerificationResult:
    """Validate the last signature of the PDF against trust_roots (offline unless allow_fetching)."""
    sha = document_hash(pdf_bytes)
    roots: list[asn1_x509.Certificate] = []
    for root in trust_roots:
        if isinstance(root, asn1_x509.Certificate):
            roots.append(root)
        elif isinstance(root, Path):
            roots += load_trust_roots([root])
        else:
            roots += _parse_certs(root)

    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception as err:  # pyHanko raises many kinds for broken files; all mean "cannot check"
        log.info("PDF nicht lesbar: %s", err)
        return VerificationResult(sha, signed=False, intact=False, valid=False, trusted=False,
                                  problem=f"Die Datei ist kein lesbares PDF ({type(err).__name__}).")
    if not signatures:
        return VerificationResult(sha, signed=False, intact=False, valid=False, trusted=False,
                                  problem="Die Datei enthält keine elektronische Signatur.")

    context = ValidationContext(trust_roots=roots, allow_fetching=allow_fetching, revocation_mode="soft-fail")
    embedded = signatures[-1]
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as err:  # a tampered signature container can fail to parse at all
        log.info("Signaturprüfung fehlgeschlagen: %s", err)
        return VerificationResult(sha, signed=True, intact=False, valid=False, trusted=False,
                                  problem=f"Die Signatur ist beschädigt ({type(err).__name__}).")

    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    unchanged = whole or (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
                          and status.modification_level in _HARMLESS and bool(status.docmdp_ok))
    intact = bool(status.intact) and unchanged
    return VerificationResult(
        sha,
        signed=True,
        intact=intact,
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer_name=_common_name(status.signing_cert),
        signing_time=status.signer_reported_dt,
        covers_whole_file=whole,
        problem=_problem(bool(status.intact), unchanged, bool(status.valid), bool(status.trusted)),
    )


def _problem(signed_bytes_intact: bool, unchanged: bool, valid: bool, trusted: bool) -> str:
    if not signed_bytes_intact:
        return "Der Inhalt wurde nach dem Signieren verändert."
    if not unchanged:
        return "Nach dem Signieren wurde etwas an die Datei angehängt, das den Inhalt ändert."
    if not valid:
        return "Die Signatur ist ungültig."
    if not trusted:
        return "Die Signatur stammt nicht von einer vertrauenswürdigen Stelle."
    return ""


def _common_name(cert: asn1_x509.Certificate | None) -> str:
    if cert is None:
        return ""
    native = cert.subject.native
    return str(native.get("common_name") or native.get("organization_name") or cert.subject.human_friendly)


def _parse_certs(data: bytes) -> list[asn1_x509.Certificate]:
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"]
    return [asn1_x509.Certificate.load(data)]
