"""The case export follows its JSON Schema, lists hashes not contents, and leaks nothing unknown."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import jsonschema
import pytest

from videoschalter.cases.export import EXPORT_SCHEMA_VERSION, export_case, export_json, export_schema
from videoschalter.cases.model import CaseEvent, clerk_actor
from videoschalter.cases.retention import erase_events, erase_personal
from videoschalter.cases.strokes import signature_record, validate_strokes
from videoschalter.forms import FormSession, load_forms, prefill

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
MRZ = {
    "type": "TD1", "mrz": ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4",
                          "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"],
    "document_code": "ID", "document_number": "T22000129", "issuing_state": "D", "nationality": "D",
    "surname": "MUSTERMANN", "given_names": "ERIKA", "birth_date": "1964-08-12", "expiry_date": "2031-10-31",
    "sex": "F", "optional_data_1": "", "optional_data_2": "",
}
UPLOAD = b"%PDF-1.7 die Wohnungsgeberbestaetigung"
CERT = b"%PDF-1.7 signed certificate"


def validator() -> jsonschema.Draft202012Validator:
    schema = export_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def full_snapshot() -> dict:
    form = load_forms()["meldebescheinigung"]
    session = FormSession(form)
    session.apply_prefill(prefill(form, MRZ, today=T0.date()))
    form_snapshot = session.snapshot("clerk")
    strokes = validate_strokes([[[10, 10, 0, 0.5], [100, 40, 300, 0.7]]], 300, 100)
    record = signature_record(strokes, 300, 100, form_snapshot["document_hash"], T0 + dt.timedelta(minutes=3))
    return {
        "id": 7,
        "ticket_id": "B-012",
        "department": "buergeramt",
        "service": "meldebescheinigung",
        "service_name": "Meldebescheinigung",
        "fee_cents": 500,
        "created_at": T0,
        "closed_at": None,
        "identity": {**MRZ, "source": "mrz"},
        "form": form_snapshot,
        "chat": [
            {"id": 1, "from": "citizen", "name": "Bürgerin", "text": "<script>alert(1)</script> Hallo", "at": T0},
            {"id": 2, "from": "clerk", "name": "Frau Schmidt", "text": "Guten Tag!", "at": T0.isoformat()},
        ],
        "documents": [
            {"id": "d1", "file_id": "a" * 32, "name": "Wohnungsgeber.pdf", "mime": "application/pdf",
             "size": len(UPLOAD), "sha256": hashlib.sha256(UPLOAD).hexdigest(), "from": "citizen", "kind": "upload",
             "at": T0},
            {"id": "d2", "file_id": "b" * 32, "name": "Meldebescheinigung.pdf", "mime": "application/pdf",
             "size": len(CERT), "sha256": hashlib.sha256(CERT).hexdigest(), "from": "clerk", "kind": "certificate",
             "at": T0},
        ],
        "signatures": [{"id": "s1", "png_file_id": "c" * 32, "record": record, "at": record["signed_at"]}],
        "payments": [{"id": "p1", "state": "paid", "amount_cents": 500, "currency": "EUR",
                      "purpose": "Meldebescheinigung Erika Mustermann", "provider": "sandbox", "sandbox": True,
                      "created_at": T0, "paid_at": T0 + dt.timedelta(minutes=4), "pay_url": "http://x/pay"}],
        "issued": [{"document_id": "7K3M9QXR", "file_id": "b" * 32, "kind": "meldebescheinigung",
                    "sha256": hashlib.sha256(CERT).hexdigest(), "issued_at": T0 + dt.timedelta(minutes=5),
                    "revoked_at": None, "verify_url": "http://localhost:8080/verify/7K3M9QXR"}],
        "internal_secret": "must not appear",
    }


def events() -> list[dict]:
    return [
        CaseEvent(T0, clerk_actor(3), "case_created", {"ticket_id": "B-012"}).as_json(),
        CaseEvent(T0, clerk_actor(3), "identity_set", {"source": "mrz", "surname": "MUSTERMANN"}).as_json(),
        {"at": T0, "actor": "citizen", "action": "document_added", "detail": json.dumps({"document_id": "d1"})},
    ]


def test_full_export_validates_against_the_schema():
    export = export_case(full_snapshot(), events(), exported_at=T0 + dt.timedelta(hours=1))
    validator().validate(export)
    assert export["schema_version"] == EXPORT_SCHEMA_VERSION == 1
    assert export["format"] == "videoschalter.case-export"
    assert export["case"]["id"] == "7" and export["case"]["ticket_id"] == "B-012"
    assert export["service"] == {"id": "meldebescheinigung", "name": "Meldebescheinigung", "fee_cents": 500}
    assert export["identity"]["surname"] == "MUSTERMANN" and export["identity"]["source"] == "mrz"
    assert export["form"]["id"] == "meldebescheinigung" and export["form"]["confirmed"] is False
    # chat is text as typed: nothing escaped, nothing interpreted
    assert export["chat"][0]["text"] == "<script>alert(1)</script> Hallo"
    assert export["audit"][2]["detail"] == {"document_id": "d1"}
    assert export["audit"][0]["actor"] == "clerk:3"


def test_export_is_json_text_with_hashes_but_no_file_contents():
    export = export_case(full_snapshot(), events())
    text = export_json(export)
    assert json.loads(text) == export
    assert "Bürgerin" in text  # UTF-8 as it is
    assert "die Wohnungsgeberbestaetigung" not in text and "signed certificate" not in text
    assert hashlib.sha256(UPLOAD).hexdigest() in text
    assert "file_id" not in text and "a" * 32 not in text  # vault ids are internal
    assert "internal_secret" not in text and "pay_url" not in text


def test_signatures_carry_hashes_and_strokes_only_on_request():
    snapshot = full_snapshot()
    plain = export_case(snapshot, [])["signatures"][0]
    assert "strokes" not in plain
    assert plain["matches_form"] is True
    assert plain["point_count"] == 2 and plain["duration_ms"] == 300
    assert plain["document_hash"] == snapshot["form"]["document_hash"]
    full = export_case(snapshot, [], include_strokes=True)
    validator().validate(full)
    assert full["signatures"][0]["strokes"] == [[[10.0, 10.0, 0, 0.5], [100.0, 40.0, 300, 0.7]]]


def test_signature_of_an_older_form_version_is_marked():
    snapshot = full_snapshot()
    snapshot["form"] = {**snapshot["form"], "document_hash": "f" * 64}
    assert export_case(snapshot, [])["signatures"][0]["matches_form"] is False


def test_minimal_case_validates():
    export = export_case({"id": 1, "ticket_id": "A-001"}, [])
    validator().validate(export)
    assert export["identity"] is None and export["form"] is None
    assert export["chat"] == export["documents"] == export["audit"] == []


def test_erased_case_still_exports_and_validates():
    snapshot = full_snapshot()
    erased = erase_personal(snapshot, at=T0 + dt.timedelta(days=31))
    export = export_case(erased, erase_events(events()))
    validator().validate(export)
    assert export["chat"][0] == {"id": 1, "from": "citizen", "name": None, "text": None, "at": T0.isoformat()}
    assert export["case"]["erased"] is True
    assert export["identity"] is None
    assert "MUSTERMANN" not in json.dumps(export) and "Mustermann" not in json.dumps(export)
    assert export["issued"][0]["sha256"] == hashlib.sha256(CERT).hexdigest()


@pytest.mark.parametrize(
    "broken",
    [
        lambda e: e.pop("audit"),
        lambda e: e.__setitem__("extra", 1),
        lambda e: e["documents"][0].__setitem__("sha256", "nothex"),
        lambda e: e["documents"][0].__setitem__("kind", "video"),
        lambda e: e["payments"][0].__setitem__("state", "maybe"),
        lambda e: e["issued"][0].__setitem__("issued_at", "gestern"),
        lambda e: e["chat"][0].__setitem__("text", ""),
        lambda e: e.__setitem__("schema_version", 2),
    ],
)
def test_schema_rejects_what_it_should(broken):
    export = export_case(full_snapshot(), events())
    broken(export)
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(export)


def test_snapshot_shaped_like_the_servers_exports():
    """Integer ticket ids, string times, the record as JSON text, a void flag, extra keys everywhere."""
    snapshot = full_snapshot()
    record = snapshot["signatures"][0]["record"]
    snapshot.update(ticket_id=12, form_lang="ar", erased=False, shown=None, events=[{"x": 1}],
                    created_at=T0.isoformat())
    snapshot["form"] = {**snapshot["form"], "definition": {"fields": []}, "lang": "de", "dir": "ltr", "errors": [],
                        "signed": True}
    snapshot["signatures"] = [
        {"id": 1, "document_hash": record["document_hash"], "version": 1, "at": record["signed_at"], "void": False,
         "record": json.dumps(record)},
        {"id": 2, "document_hash": record["document_hash"], "version": 1, "at": record["signed_at"], "void": True,
         "record": None},
    ]
    export = export_case(snapshot, events())
    validator().validate(export)
    assert export["case"]["ticket_id"] == "12" and export["form"]["lang"] == "ar"
    first, second = export["signatures"]
    assert (first["id"], first["void"], first["point_count"]) == ("1", False, 2)
    assert (second["void"], second["point_count"]) == (True, None)
    assert "definition" not in json.dumps(export)


def test_erased_at_alone_marks_the_export_erased():
    export = export_case({"id": 3, "erased_at": T0}, [])
    assert export["case"]["erased"] is True and export["case"]["erased_at"] == T0.isoformat()
