"""The canonical form of a filled-in form and its hash, which the citizen's signature is bound to.

The hash must be the same on every machine and for every ordering of the values, and must change with any value.
So: values are normalised (dates as ISO text, strings NFC, whole floats as ints, empty as absent), serialised as
JSON with sorted keys and no whitespace, and hashed with SHA-256. Signature fields are left out: a signature cannot
be part of what it signs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import unicodedata
from typing import Any

from .model import FieldType, FormDefinition

HASH_FORMAT = 1  # bump when the canonical form changes, so old signatures are recognisably of another format


def normalize(value: Any) -> Any:
    """A JSON value that compares equal whenever two values mean the same; None for "nothing entered"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value)
        return text if text.strip() else None
    if isinstance(value, dict):
        out = {str(k): normalize(v) for k, v in value.items()}
        out = {k: v for k, v in out.items() if v is not None}
        return out or None
    if isinstance(value, list | tuple):
        items = [normalize(v) for v in value]
        items = [v for v in items if v is not None]
        return items or None
    raise TypeError(f"value of type {type(value).__name__} cannot be part of a form")


def canonical_values(form: FormDefinition, values: dict[str, Any]) -> dict[str, Any]:
    """The values that make up the document: known, non-signature fields with something entered."""
    known = {f.id: f for f in form.fields}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise KeyError(f"{form.id}: unknown fields {', '.join(unknown)}")
    out = {}
    for field_id, value in values.items():
        if known[field_id].type is FieldType.SIGNATURE:
            continue
        norm = normalize(value)
        if norm is not None:
            out[field_id] = norm
    return out


def canonical_json(form: FormDefinition, values: dict[str, Any]) -> bytes:
    payload = {"format": HASH_FORMAT, "form": form.id, "form_version": form.version,
               "values": canonical_values(form, values)}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def document_hash(form: FormDefinition, values: dict[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON of form id, form version and values."""
    return hashlib.sha256(canonical_json(form, values)).hexdigest()
