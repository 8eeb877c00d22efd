"""Render and sign any issued document: one entry point for the server, the benchmark and the tests.

Blocking (reportlab, pyHanko with its own event loop): call from async code via ``asyncio.to_thread``.
The signature's reason is the document's German title, so a PDF reader says what was signed.
"""

from __future__ import annotations

from videoschalter.certificates.from_form import DocumentData
from videoschalter.certificates.fuehrungszeugnis import ConductApplicationData, render_conduct_application
from videoschalter.certificates.meldebestaetigung import RegistrationData, render_registration
from videoschalter.certificates.models import CertificateData, Office
from videoschalter.certificates.parkausweis import ParkingPermitData, render_parking_permit
from videoschalter.certificates.render import render_certificate
from videoschalter.certificates.signing import OfficeSigner, sign_pdf


def render_document(data: DocumentData, office: Office) -> bytes:
    """The unsigned PDF of one document record."""
    if isinstance(data, CertificateData):
        return render_certificate(data, office)
    if isinstance(data, RegistrationData):
        return render_registration(data, office)
    if isinstance(data, ParkingPermitData):
        return render_parking_permit(data, office)
    if isinstance(data, ConductApplicationData):
        return render_conduct_application(data, office)
    raise TypeError(f"kein Dokumenttyp: {type(data).__name__}")


def signature_reason(data: DocumentData) -> str:
    """What the signature says it signs ("Anmeldebestätigung", "Bewohnerparkausweis", …)."""
    if isinstance(data, RegistrationData):
        return data.title
    if isinstance(data, ParkingPermitData):
        return "Bewohnerparkausweis"
    if isinstance(data, ConductApplicationData):
        return "Antragsbestätigung Führungszeugnis"
    return "Meldebescheinigung"


def render_and_sign(data: DocumentData, office: Office, signer: OfficeSigner) -> bytes:
    """The signed PDF handed to the citizen (PAdES B-B certification signature)."""
    return sign_pdf(render_document(data, office), signer, reason=signature_reason(data))
