"""Chat text rules and audit events."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videoschalter.cases.model import (
    CHAT_MAX_CHARS,
    DOCUMENT_KINDS,
    CaseEvent,
    clean_chat_text,
    clerk_actor,
    event_detail,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hallo  ", "Hallo"),
        ("<b>fett</b> & <script>alert(1)</script>", "<b>fett</b> & <script>alert(1)</script>"),
        ("Zeile 1\r\nZeile 2\rZeile 3", "Zeile 1\nZeile 2\nZeile 3"),
        ("a\n\n\n\n\n\nb", "a\n\n\nb"),
        ("a\x00b\x07c\x1bd", "abcd"),
        ("tab\there", "tab here"),
        ("Rechnung\u202egpj.exe", "Rechnunggpj.exe"),
        ("Ku\u0308hler", "Kühler"),  # NFC
        ("مرحبا بالعالم", "مرحبا بالعالم"),
        ("👩\u200d💻 ok", "👩\u200d💻 ok"),  # zero-width joiner stays
        ("lone \ud800 surrogate", "lone  surrogate"),
    ],
)
def test_clean_chat_text(text, expected):
    assert clean_chat_text(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\x00\x01", "\u202e"])
def test_empty_chat_is_refused(text):
    with pytest.raises(ValueError, match="leer"):
        clean_chat_text(text)


def test_chat_length_limit():
    assert len(clean_chat_text("x" * CHAT_MAX_CHARS)) == CHAT_MAX_CHARS
    with pytest.raises(ValueError, match="zu lang \\(2001 Zeichen\\)") as info:
        clean_chat_text("x" * (CHAT_MAX_CHARS + 1))
    assert info.value.code == "chat_too_long"
    assert info.value.localized("en") == "The message is too long (2001 characters); at most 2000 are allowed."


def test_chat_must_be_text():
    with pytest.raises(ValueError, match="Text"):
        clean_chat_text(None)  # type: ignore[arg-type]


@given(st.text(max_size=3000))
def test_clean_chat_never_crashes_and_is_stable(text):
    try:
        cleaned = clean_chat_text(text)
    except ValueError:
        return
    assert 0 < len(cleaned) <= CHAT_MAX_CHARS
    assert clean_chat_text(cleaned) == cleaned
    cleaned.encode("utf-8")  # storable


def test_case_event():
    at = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)
    event = CaseEvent(at, clerk_actor(4), "issued", {"document_id": "X"})
    assert event.as_json() == {"at": at.isoformat(), "actor": "clerk:4", "action": "issued",
                               "detail": {"document_id": "X"}}
    with pytest.raises(ValueError):
        CaseEvent(at.replace(tzinfo=None), "citizen", "chat")
    with pytest.raises(ValueError):
        CaseEvent(at, "", "chat")


def test_event_detail_accepts_dicts_and_json_text():
    assert event_detail({"a": 1}) == {"a": 1}
    assert event_detail('{"a": 1}') == {"a": 1}
    assert event_detail("kaputt{") == {"text": "kaputt{"}
    assert event_detail(None) == {} and event_detail("[1]") == {}


def test_document_kinds_are_the_contract_ones():
    assert DOCUMENT_KINDS == ("upload", "shared", "certificate", "receipt", "signature", "snapshot")
