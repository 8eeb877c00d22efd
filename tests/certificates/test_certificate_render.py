"""The rendered Meldebescheinigung and Zahlungsbeleg: valid PDF, right text, readable QR code, stable bytes."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from videoschalter.certificates import fonts
from videoschalter.certificates.models import CertificateData, Dwelling, Office, ReceiptData
from videoschalter.certificates.render import LayoutError, render_certificate, render_receipt

from .conftest import DOCUMENT_ID, URL, qr_of_pdf

Text = Callable[[bytes], str]


def test_certificate_is_a_one_page_a4_pdf_with_metadata(certificate_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(certificate_pdf))
    assert reader.root["/Pages"]["/Count"] == 1
    page = reader.root["/Pages"]["/Kids"][0]
    assert [round(float(v)) for v in page["/MediaBox"]] == [0, 0, 595, 842]
    info = reader.trailer["/Info"]
    assert info["/Title"] == f"Meldebescheinigung {DOCUMENT_ID}"
    assert str(info["/CreationDate"]).startswith("D:20261123140500+01'00'")


def test_certificate_text_holds_person_address_id_and_url(certificate_pdf: bytes, pdf_text: Text) -> None:
    text = pdf_text(certificate_pdf)
    for expected in ("Meldebescheinigung", "§ 18 Abs. 1", "Kowalenko", "Olena Мирослава", "Шевченко",
                     "14.03.1988", "Charkiw (Ukraine)", "ukrainisch", "Große Straße 12a", "12345 Musterstadt",
                     "01.04.2022", "Hauptwohnung", "Musterstadt, den 23.11.2026", "5,00 EUR", "PAY-2026-004711",
                     "ohne Unterschrift gültig", DOCUMENT_ID, URL, "Stadt Musterstadt", "Marktplatz 1"):
        assert expected in text, expected
    assert "Staatsangehörigkeit " in text or "Staatsangehörigkeit\n" in text


def test_qr_code_decodes_to_the_verification_url(certificate_pdf: bytes, tmp_path: Path) -> None:
    assert qr_of_pdf(certificate_pdf, tmp_path) == URL


def test_same_input_gives_same_bytes(certificate_data: CertificateData, office: Office,
                                     certificate_pdf: bytes) -> None:
    again = render_certificate(certificate_data, office)
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(certificate_pdf).hexdigest()
    other = render_certificate(dataclasses.replace(certificate_data, house_number="12b"), office)
    assert other != certificate_pdf


def test_output_is_the_same_in_a_fresh_process(certificate_data: CertificateData, office: Office,
                                               certificate_pdf: bytes) -> None:
    """Font subsets and object ids must not depend on what else the process rendered before."""
    script = (
        "import pickle, sys\n"
        "from videoschalter.certificates.render import render_certificate\n"
        "data, office = pickle.load(sys.stdin.buffer)\n"
        "sys.stdout.buffer.write(render_certificate(data, office))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script], cwd=root, input=pickle.dumps((certificate_data, office)),
                         capture_output=True, timeout=60, check=True)
    assert hashlib.sha256(out.stdout).hexdigest() == hashlib.sha256(certificate_pdf).hexdigest()


def test_optional_fields_are_left_out(certificate_data: CertificateData, office: Office, pdf_text: Text) -> None:
    data = dataclasses.replace(certificate_data, birth_name=None, birth_place=None,
                               nationalities=("deutsch", "polnisch"), dwelling=Dwelling.SECONDARY, fee_cents=0,
                               clerk="")
    text = pdf_text(render_certificate(data, office))
    assert "Geburtsname" not in text
    assert "Geburtsort" not in text
    assert "Staatsangehörigkeiten" in text
    assert "deutsch, polnisch" in text
    assert "Nebenwohnung" in text
    assert "gebührenfrei" in text


def test_naive_issue_time_is_rejected(certificate_data: CertificateData, office: Office) -> None:
    naive = dataclasses.replace(certificate_data, issued_at=certificate_data.issued_at.replace(tzinfo=None))
    with pytest.raises(ValueError, match="Zeitzone"):
        render_certificate(naive, office)


def test_data_that_would_overflow_the_page_is_refused(certificate_data: CertificateData, office: Office) -> None:
    data = dataclasses.replace(certificate_data, given_names=" ".join(["Maria-Magdalena"] * 60))
    with pytest.raises(LayoutError):
        render_certificate(data, office)


def test_receipt_shows_fee_reference_and_date(receipt_data: ReceiptData, office: Office, pdf_text: Text) -> None:
    pdf = render_receipt(receipt_data, office)
    assert pdf == render_receipt(receipt_data, office)
    text = pdf_text(pdf)
    for expected in ("Zahlungsbeleg", "Q-2026-004711", "Olena Kowalenko", "5,00 EUR", "PAY-2026-004711",
                     "23.11.2026, 14:03 Uhr", DOCUMENT_ID, "ohne Unterschrift gültig"):
        assert expected in text, expected


def test_missing_fonts_give_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "SEARCH_DIRS", ())
    monkeypatch.setenv(fonts.FONT_DIR_ENV, str(tmp_path))
    with pytest.raises(fonts.FontsMissingError, match="fonts-dejavu-core"):
        fonts.find_font_dir()
