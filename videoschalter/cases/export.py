"""The case as JSON for the registration office's software and for DSGVO Art. 15 requests.

The shape is documented field by field in ``docs/case-export.md`` and fixed by
``export_schema.json`` beside this module. The export is built from the server's clerk
snapshot and the audit log by picking known fields only, so a new field in the snapshot
never leaks into the export unnoticed: it needs a schema change and a new version.

Files are listed with their SHA-256, never embedded; the receiving software fetches
what it needs through the clerk API. Signatures carry their hashes and summary but not
the raw strokes unless asked for (``include_strokes``): the writing dynamics are
evidence for a dispute, not data for a register.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from videoschalter.cases.model import event_detail

EXPORT_SCHEMA_VERSION = 1
EXPORT_FORMAT = "videoschalter.case-export"
IDENTITY_FIELDS = (
    "type", "document_code", "document_number", "issuing_state", "nationality", "surname", "given_names",
    "birth_date", "expiry_date", "sex", "optional_data_1", "optional_data_2",
)


def export_case(snapshot: Mapping[str, Any], events: Iterable[Mapping[str, Any]], *,
                exported_at: dt.datetime | None = None, include_strokes: bool = False) -> dict[str, Any]:
    """One case as a JSON-ready dict following schema version :data:`EXPORT_SCHEMA_VERSION`."""
    form = _form(snapshot.get("form"), snapshot.get("form_lang"))
    return {
        "format": EXPORT_FORMAT,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": _iso(exported_at),
        "case": {
            "id": _str(snapshot.get("id")),
            "ticket_id": _str(snapshot.get("ticket_id")),
            "department": snapshot.get("department"),
            "created_at": _iso(snapshot.get("created_at")),
            "closed_at": _iso(snapshot.get("closed_at")),
            "erased": bool(snapshot.get("erased") or snapshot.get("erased_at")),
            "erased_at": _iso(snapshot.get("erased_at")),
        },
        "service": {
            "id": snapshot.get("service"),
            "name": snapshot.get("service_name"),
            "fee_cents": snapshot.get("fee_cents"),
        },
        "identity": _identity(snapshot.get("identity")),
        "form": form,
        "chat": [_chat(m) for m in snapshot.get("chat") or ()],
        "documents": [_document(d) for d in snapshot.get("documents") or ()],
        "signatures": [_signature(s, form, include_strokes) for s in snapshot.get("signatures") or ()],
        "payments": [_payment(p) for p in snapshot.get("payments") or ()],
        "issued": [_issued(i) for i in snapshot.get("issued") or ()],
        "audit": [_event(e) for e in events],
    }


def export_json(export: Mapping[str, Any]) -> str:
    """The export as UTF-8 JSON text (umlauts as they are, stable key order for diffs)."""
    return json.dumps(export, ensure_ascii=False, indent=2, sort_keys=False)


@cache
def export_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) the export follows."""
    text = resources.files("videoschalter.cases").joinpath("export_schema.json").read_text("utf-8")
    return json.loads(text)


def _identity(identity: Any) -> dict[str, Any] | None:
    if not isinstance(identity, Mapping) or not identity:
        return None
    out: dict[str, Any] = {"source": identity.get("source")}
    out.update({key: _iso(identity.get(key)) for key in IDENTITY_FIELDS})
    mrz = identity.get("mrz")
    out["mrz"] = [str(line) for line in mrz] if isinstance(mrz, list) else None
    return out


def _form(form: Any, lang: Any) -> dict[str, Any] | None:
    if not isinstance(form, Mapping) or not form:
        return None
    confirmed = bool(form.get("confirmed", False))
    return {
        "id": form.get("form") or form.get("id"),
        "form_version": form.get("form_version"),
        "version": form.get("version"),
        "values": _jsonable(form.get("values") or {}),
        "document_hash": form.get("document_hash"),
        "confirmed": confirmed,
        "confirmed_at": _iso(form.get("confirmed_by_citizen_at") or form.get("confirmed_at")) if confirmed else None,
        "lang": lang or form.get("lang"),  # the citizen's reading language, not the clerk's view
    }


def _chat(m: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": m.get("id"), "from": m.get("from"), "name": m.get("name"), "text": m.get("text"),
            "at": _iso(m.get("at"))}


def _document(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": _str(d.get("id")),
        "kind": d.get("kind"),
        "name": d.get("name"),
        "mime": d.get("mime"),
        "size": d.get("size"),
        "sha256": d.get("sha256"),
        "from": d.get("from"),
        "at": _iso(d.get("at")),
    }


def _signature(s: Mapping[str, Any], form: dict[str, Any] | None, include_strokes: bool) -> dict[str, Any]:
    nested = s.get("record")
    if isinstance(nested, str):
        nested = json.loads(nested)
    record = {**(nested or {}), **s}  # the stored signature_record, flat or nested (dict or JSON text)
    document_hash = record.get("document_hash")
    matches = bool(form and form.get("document_hash") == document_hash)
    out = {
        "id": _str(record.get("id")),
        "document_hash": document_hash,
        "signed_at": _iso(record.get("signed_at") or record.get("at")),
        "matches_form": matches,
        "void": bool(record.get("void")) or not matches,
        "width": record.get("width"),
        "height": record.get("height"),
        "stroke_count": record.get("stroke_count"),
        "point_count": record.get("point_count"),
        "duration_ms": record.get("duration_ms"),
        "strokes_sha256": record.get("strokes_sha256"),
        "png_sha256": record.get("png_sha256"),
    }
    if include_strokes:
        out["strokes"] = record.get("strokes")
    return out


def _payment(p: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": _str(p.get("id")),
        "state": p.get("state"),
        "amount_cents": p.get("amount_cents"),
        "currency": p.get("currency") or "EUR",
        "purpose": p.get("purpose"),
        "provider": p.get("provider") or None,
        "sandbox": bool(p.get("sandbox", False)),
        "created_at": _iso(p.get("created_at")),
        "paid_at": _iso(p.get("paid_at")),
    }


def _issued(i: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "document_id": _str(i.get("document_id")),
        "kind": i.get("kind"),
        "sha256": i.get("sha256"),
        "issued_at": _iso(i.get("issued_at")),
        "revoked_at": _iso(i.get("revoked_at")),
        "verify_url": i.get("verify_url"),
    }


def _event(e: Mapping[str, Any]) -> dict[str, Any]:
    return {"at": _iso(e.get("at")), "actor": e.get("actor"), "action": e.get("action"),
            "detail": _jsonable(event_detail(e.get("detail")))}


def _str(value: Any) -> Any:
    """Ids become text (a SQLite integer id and a random text id export alike)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _jsonable(value: Any) -> Any:
    """Dates to ISO text, tuples to lists, everything else as it is (form values are JSON already)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return _iso(value)
