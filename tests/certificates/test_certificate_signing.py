"""PAdES signing and its check: a signed certificate is intact, valid and trusted; any change shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from videoschalter.certificates.models import Office, ReceiptData
from videoschalter.certificates.render import render_receipt
from videoschalter.certificates.signing import (
    OfficeSigner,
    SigningConfigError,
    SigningSettings,
    load_signer,
    load_signer_from_settings,
    sign_pdf,
)
from videoschalter.certificates.test_ca import TestPki, create_ca, issue_office_certificate
from videoschalter.certificates.verify import document_hash, load_trust_roots, verify_pdf


def test_signed_certificate_is_intact_valid_and_trusted(signed_pdf: bytes, pki: TestPki) -> None:
    result = verify_pdf(signed_pdf, [pki.ca_cert])
    assert (result.signed, result.intact, result.valid, result.trusted) == (True, True, True, True)
    assert result.ok
    assert result.covers_whole_file
    assert result.problem == ""
    assert "Stadt Musterstadt" in result.signer_name
    assert "TEST" in result.signer_name
    assert result.signing_time is not None
    assert abs(result.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=10)
    assert result.sha256 == document_hash(signed_pdf)


def test_signature_is_pades_with_reason_and_location(signed_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(signed_pdf))
    sig = reader.embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/DocMDP" in reader.root["/Perms"]  # certification signature: no later changes allowed
    assert sig.sig_object["/Reason"] == "Meldebescheinigung"
    assert sig.sig_object["/Location"] == "Musterstadt"


def test_signing_keeps_the_rendered_bytes_as_first_revision(certificate_pdf: bytes, signed_pdf: bytes) -> None:
    assert signed_pdf.startswith(certificate_pdf)


def test_flipped_byte_in_the_content_is_not_intact(signed_pdf: bytes, pki: TestPki) -> None:
    start = signed_pdf.index(b"stream\n", signed_pdf.index(b"/FlateDecode")) + 7
    spot = start + 40
    tampered = signed_pdf[:spot] + bytes([signed_pdf[spot] ^ 0x01]) + signed_pdf[spot + 1:]
    result = verify_pdf(tampered, [pki.ca_cert])
    assert not result.intact
    assert not result.ok
    assert "verändert" in result.problem


def test_incremental_update_that_changes_the_text_is_not_intact(signed_pdf: bytes, pki: TestPki) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    overwrite = generic.StreamObject(stream_data=b"1 1 1 rg 200 560 200 20 re f 0 0 0 rg "
                                                 b"BT /Helvetica 11 Tf 205 565 Td (Mustermann) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(overwrite))
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), [pki.ca_cert])
    assert result.signed and result.valid  # the signed revision itself is still fine …
    assert not result.intact  # … but what a reader shows now is not what was signed
    assert not result.covers_whole_file
    assert not result.ok


def test_signature_by_another_ca_is_untrusted(certificate_pdf: bytes, pki: TestPki, tmp_path: Path) -> None:
    ca_key, ca_cert = create_ca("Fremde Test-CA")
    key, cert = issue_office_certificate(ca_key, ca_cert, "Stadt Fälschungshausen")
    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.BestAvailableEncryption(b"geheim")))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM)
                          + ca_cert.public_bytes(serialization.Encoding.PEM))
    foreign = load_signer(key_file, cert_file=cert_file, password="geheim", location="Fälschungshausen")
    result = verify_pdf(sign_pdf(certificate_pdf, foreign), [pki.ca_cert])
    assert result.intact and result.valid
    assert not result.trusted
    assert not result.ok
    assert "vertrauenswürdig" in result.problem


def test_unsigned_and_broken_files_are_reported_not_raised(certificate_pdf: bytes, pki: TestPki) -> None:
    unsigned = verify_pdf(certificate_pdf, [pki.ca_cert])
    assert not unsigned.signed and not unsigned.ok
    broken = verify_pdf(b"%PDF-1.7\nnonsense", [pki.ca_cert])
    assert not broken.ok
    assert broken.problem


def test_trust_roots_as_pem_bytes_or_certificates(signed_pdf: bytes, pki: TestPki) -> None:
    assert verify_pdf(signed_pdf, [pki.ca_cert.read_bytes()]).trusted
    assert verify_pdf(signed_pdf, load_trust_roots([pki.ca_cert])).trusted


def test_signing_a_receipt_with_its_own_reason(receipt_data: ReceiptData, office: Office, signer: OfficeSigner,
                                               pki: TestPki) -> None:
    signed = sign_pdf(render_receipt(receipt_data, office), signer, reason="Zahlungsbeleg")
    assert verify_pdf(signed, [pki.ca_cert]).ok
    assert PdfFileReader(io.BytesIO(signed)).embedded_signatures[0].sig_object["/Reason"] == "Zahlungsbeleg"


def test_settings_read_the_password_from_a_file(pki: TestPki, certificate_pdf: bytes) -> None:
    settings = SigningSettings(key_file=pki.office_p12, location="Musterstadt", password_file=pki.password_file)
    assert verify_pdf(sign_pdf(certificate_pdf, load_signer_from_settings(settings)), [pki.ca_cert]).ok


def test_settings_name_a_missing_password_variable(pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VS_TEST_SIGNING_PASSWORD", raising=False)
    settings = SigningSettings(key_file=pki.office_p12, location="Musterstadt", password_env="VS_TEST_SIGNING_PASSWORD")
    with pytest.raises(SigningConfigError, match="VS_TEST_SIGNING_PASSWORD"):
        load_signer_from_settings(settings)
    monkeypatch.setenv("VS_TEST_SIGNING_PASSWORD", pki.password().decode())
    assert load_signer_from_settings(settings).location == "Musterstadt"


def test_too_small_reservation_falls_back_to_measuring(certificate_pdf: bytes, signer: OfficeSigner,
                                                      pki: TestPki) -> None:
    tight = dataclasses.replace(signer, bytes_reserved=64)
    assert verify_pdf(sign_pdf(certificate_pdf, tight), [pki.ca_cert]).ok


def test_wrong_password_and_missing_file_are_config_errors(pki: TestPki, tmp_path: Path) -> None:
    with pytest.raises(SigningConfigError, match="Passwort"):
        load_signer(pki.office_p12, location="Musterstadt", password=b"falsch")
    with pytest.raises(SigningConfigError, match="nicht lesbar"):
        load_signer(tmp_path / "fehlt.p12", location="Musterstadt", password=b"x")


def test_key_and_certificate_must_belong_together(pki: TestPki, tmp_path: Path) -> None:
    ca_key, ca_cert = create_ca("Andere Test-CA")
    key, _ = issue_office_certificate(ca_key, ca_cert, "Stadt A")
    _, other_cert = issue_office_certificate(ca_key, ca_cert, "Stadt B")
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (tmp_path / "c.pem").write_bytes(other_cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(SigningConfigError, match="gehören nicht zusammen"):
        load_signer(tmp_path / "k.pem", cert_file=tmp_path / "c.pem", location="A")


async def test_server_code_signs_and_verifies_in_a_worker_thread(certificate_pdf: bytes, signer: OfficeSigner,
                                                                 pki: TestPki) -> None:
    """pyHanko runs its own event loop, so aiohttp handlers must call us via asyncio.to_thread."""
    import asyncio

    signed = await asyncio.to_thread(sign_pdf, certificate_pdf, signer)
    assert (await asyncio.to_thread(verify_pdf, signed, [pki.ca_cert])).ok
