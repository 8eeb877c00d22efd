"""The /verify/<id> page content: valid, revoked, unknown; German and English; hash comparison."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from videoschalter.certificates.registry import IssuedDocument, new_document_id
from videoschalter.certificates.verify import verification_view

BERLIN = ZoneInfo("Europe/Berlin")
SHA = "ab" * 32
DOC = IssuedDocument("VS-2026-7K3M-9QXD", SHA, dt.datetime(2026, 11, 23, 14, 5, tzinfo=BERLIN))


def test_valid_document_in_german() -> None:
    view = verification_view(DOC, "de")
    assert view["status"] == "valid"
    assert view["http_status"] == 200
    assert view["title"] == "Dokument gültig"
    assert "23.11.2026, 14:05 Uhr" in view["message"]
    assert view["sha256"] == SHA
    assert view["kind_label"] == "Meldebescheinigung"
    assert view["document_id"] == DOC.id
    json.dumps(view)


def test_valid_document_in_english() -> None:
    view = verification_view(DOC, "en")
    assert view["title"] == "Document valid"
    assert "23 November 2026, 14:05" in view["message"]
    assert view["sha256_label"].startswith("Check value")


def test_revoked_document() -> None:
    revoked = DOC.revoked(dt.datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN))
    de, en = verification_view(revoked, "de"), verification_view(revoked, "en")
    assert de["status"] == en["status"] == "revoked"
    assert de["title"] == "Dokument widerrufen"
    assert "24.11.2026, 09:00 Uhr" in de["message"]
    assert "nicht mehr gültig" in de["message"]
    assert "revoked" in en["message"]
    assert de["revoked_at"] == "2026-11-24T09:00:00+01:00"
    assert de["sha256"] == SHA


@pytest.mark.parametrize(("lang", "title"), [("de", "Dokument unbekannt"), ("en", "Unknown document")])
def test_unknown_document(lang: str, title: str) -> None:
    view = verification_view(None, lang, document_id="VS-2026-0000-0000")
    assert view["status"] == "unknown"
    assert view["http_status"] == 404
    assert view["title"] == title
    assert view["document_id"] == "VS-2026-0000-0000"
    assert "sha256" not in view


def test_unsupported_language_falls_back_to_german() -> None:
    assert verification_view(DOC, "fr")["lang"] == "de"


def test_presented_file_hash_is_compared() -> None:
    assert verification_view(DOC, "de", presented_sha256=SHA.upper())["hash_match"] is True
    mismatch = verification_view(DOC, "de", presented_sha256="00" * 32)
    assert mismatch["hash_match"] is False
    assert "NICHT" in mismatch["hash_message"]


def test_document_ids_are_random_and_readable() -> None:
    ids = {new_document_id(2026) for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"VS-2026-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", i) for i in ids)
