"""The demo's TEST PKI: clearly marked, document-signing usages, idempotent, secrets 0600."""

from __future__ import annotations

import stat
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from videoschalter.certificates.test_ca import (
    CA_KEY,
    DOCUMENT_SIGNING,
    TEST_MARK,
    TestPki,
    ensure_test_pki,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secrets_are_0600_in_a_0700_folder(pki: TestPki) -> None:
    assert _mode(pki.folder) == 0o700
    for secret in (pki.office_p12, pki.password_file, pki.folder / CA_KEY):
        assert _mode(secret) == 0o600, secret
    assert len(pki.password()) >= 24


def test_creation_is_idempotent(tmp_path: Path) -> None:
    first = ensure_test_pki(tmp_path / "pki")
    files = {p.name: p.read_bytes() for p in first.folder.iterdir()}
    second = ensure_test_pki(tmp_path / "pki")
    assert second == first
    assert {p.name: p.read_bytes() for p in second.folder.iterdir()} == files


def test_a_lost_office_certificate_is_reissued_by_the_same_ca(tmp_path: Path) -> None:
    pki = ensure_test_pki(tmp_path / "pki")
    ca_before = pki.ca_cert.read_bytes()
    pki.office_p12.unlink()
    ensure_test_pki(tmp_path / "pki")
    assert pki.ca_cert.read_bytes() == ca_before
    assert _mode(pki.office_p12) == 0o600
    _, cert, _ = pkcs12.load_key_and_certificates(pki.office_p12.read_bytes(), pki.password())
    assert cert is not None
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_before))


def test_names_say_test_and_not_for_production(pki: TestPki) -> None:
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    office = x509.load_pem_x509_certificate(pki.office_cert.read_bytes())
    ca_cn = ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert ca_cn == "Videoschalter TEST-CA – nicht für den Echtbetrieb"
    assert TEST_MARK in office.subject.rfc4514_string()
    assert "TEST" in office.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def test_ca_and_office_extensions(pki: TestPki) -> None:
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    office = x509.load_pem_x509_certificate(pki.office_cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert not office.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = office.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # content_commitment = nonRepudiation
    assert DOCUMENT_SIGNING in office.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert office.issuer == ca.subject


def test_rsa_variant_signs_and_verifies(tmp_path: Path, certificate_pdf: bytes) -> None:
    from videoschalter.certificates.signing import load_signer, sign_pdf
    from videoschalter.certificates.verify import verify_pdf

    pki = ensure_test_pki(tmp_path / "rsa", key_type="rsa-3072")
    signer = load_signer(pki.office_p12, location="Musterstadt", password=pki.password())
    assert verify_pdf(sign_pdf(certificate_pdf, signer), [pki.ca_cert]).ok
