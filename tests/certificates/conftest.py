"""Shared inputs for the certificate tests: one office, one person, one TEST PKI per session."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import pytest

from videoschalter.certificates.models import CertificateData, Dwelling, Office, ReceiptData
from videoschalter.certificates.render import render_certificate
from videoschalter.certificates.signing import OfficeSigner, load_signer, sign_pdf
from videoschalter.certificates.test_ca import TestPki, ensure_test_pki

BERLIN = ZoneInfo("Europe/Berlin")
DOCUMENT_ID = "VS-2026-7K3M-9QXD"
URL = f"https://buergerbuero.musterstadt.example/verify/{DOCUMENT_ID}"


@pytest.fixture(scope="session")
def office() -> Office:
    return Office("Stadt Musterstadt", "Bürgerbüro", "Marktplatz 1", "12345", "Musterstadt",
                  phone="0123 456-0", email="buergerbuero@musterstadt.example", website="www.musterstadt.example")


@pytest.fixture(scope="session")
def certificate_data() -> CertificateData:
    return CertificateData(
        document_id=DOCUMENT_ID, verification_url=URL,
        family_name="Kowalenko", given_names="Olena Мирослава", birth_date=dt.date(1988, 3, 14),
        nationalities=("ukrainisch",), street="Große Straße", house_number="12a", postal_code="12345",
        city="Musterstadt", moved_in=dt.date(2022, 4, 1), dwelling=Dwelling.MAIN,
        issued_at=dt.datetime(2026, 11, 23, 14, 5, tzinfo=BERLIN), birth_name="Шевченко",
        birth_place="Charkiw (Ukraine)", fee_cents=500, payment_reference="PAY-2026-004711", clerk="Frau Weiß")


@pytest.fixture(scope="session")
def receipt_data() -> ReceiptData:
    return ReceiptData("Q-2026-004711", "Olena Kowalenko", "Meldebescheinigung", 500, "PAY-2026-004711",
                       dt.datetime(2026, 11, 23, 14, 3, tzinfo=BERLIN), document_id=DOCUMENT_ID)


@pytest.fixture(scope="session")
def certificate_pdf(certificate_data: CertificateData, office: Office) -> bytes:
    return render_certificate(certificate_data, office)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return ensure_test_pki(tmp_path_factory.mktemp("pki") / "pki")


@pytest.fixture(scope="session")
def signer(pki: TestPki, office: Office) -> OfficeSigner:
    return load_signer(pki.office_p12, location=office.town, password=pki.password())


@pytest.fixture(scope="session")
def signed_pdf(certificate_pdf: bytes, signer: OfficeSigner) -> bytes:
    return sign_pdf(certificate_pdf, signer)


@pytest.fixture
def pdf_text(tmp_path: Path) -> Callable[[bytes], str]:
    """Text of a PDF as poppler's pdftotext sees it (what a reader's search and copy would get)."""

    def extract(pdf: bytes) -> str:
        path = tmp_path / "text.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True, timeout=30).stdout

    return extract


def qr_of_pdf(pdf: bytes, tmp_path: Path) -> str:
    """The QR code on the PDF's first page as a phone would read it: rendered at 150 dpi, decoded by OpenCV."""
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(tmp_path / "doc.pdf"),
                    str(tmp_path / "page")], check=True, timeout=30)
    image = cv2.imread(str(tmp_path / "page.png"), cv2.IMREAD_GRAYSCALE)
    value, points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert points is not None, "no QR code found"
    return value
