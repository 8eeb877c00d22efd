"""One form being filled in during a video session: who may change what, and what the citizen confirmed.

Pure logic with no I/O, so the server can hold one per session, apply the edits arriving over the WebSocket and
broadcast :meth:`FormSession.snapshot` after each. The rules that protect the citizen:

* every change bumps ``version`` and withdraws a confirmation and any signature, so nothing signed or confirmed
  can change afterwards;
* the citizen confirms a version number: if the clerk changed something while the citizen read, the confirmation
  names a stale version and is refused;
* fields filled from the MRZ that need a look (names, sex X, …) block confirmation until the clerk checked them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from .document import document_hash, normalize
from .languages import SOURCE_LANGUAGE
from .model import FieldDef, FieldType, FormDefinition
from .prefill import Prefilled
from .validate import FieldError, validate_values

Role = Literal["clerk", "citizen"]


class EditRefused(Exception):
    """An edit, signature or confirmation that is not allowed; ``code`` is for the UI, the text for logs."""

    def __init__(self, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.code, self.field = code, field


class StaleVersion(EditRefused):
    def __init__(self, seen: int, current: int) -> None:
        super().__init__("stale_version", f"version {seen} is not the current version {current}")
        self.seen, self.current = seen, current


class NotReady(EditRefused):
    """Confirmation refused: the form still has errors or unchecked MRZ values."""

    def __init__(self, errors: list[FieldError], unchecked: list[str]) -> None:
        super().__init__("not_ready", f"{len(errors)} errors, unchecked: {', '.join(unchecked) or '-'}")
        self.errors, self.unchecked = errors, unchecked


@dataclass
class FormSession:
    form: FormDefinition
    values: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    confirmed_by_citizen_at: dt.datetime | None = None
    confirmed_version: int | None = None
    needs_check: dict[str, str | None] = field(default_factory=dict)  # field id → reason

    @property
    def confirmed(self) -> bool:
        return self.confirmed_by_citizen_at is not None and self.confirmed_version == self.version

    @property
    def document_hash(self) -> str:
        return document_hash(self.form, self.values)

    def apply_prefill(self, prefilled: dict[str, Prefilled]) -> int:
        """Take MRZ values (clerk side) in one version step; their ``needs_check`` marks wait for the clerk."""
        changed = False
        for field_id, p in prefilled.items():
            self._field(field_id)
            if normalize(p.value) != normalize(self.values.get(field_id)):
                self._set(field_id, p.value)
                changed = True
            if p.needs_check:
                self.needs_check[field_id] = p.reason
            else:
                self.needs_check.pop(field_id, None)
        if changed:
            self._changed()
        return self.version

    def apply_edit(self, field_id: str, value: Any, by: Role = "clerk") -> int:
        """Set one value; returns the new version (unchanged if the value did not change)."""
        f = self._field(field_id)
        if by not in ("clerk", "citizen"):
            raise EditRefused("not_allowed", f"unknown role {by!r}", field_id)
        if f.type is FieldType.SIGNATURE:
            raise EditRefused("signature_field", "signatures are given with sign()", field_id)
        if by == "citizen" and f.readonly_for_citizen:
            raise EditRefused("readonly", f"{field_id} is filled in by the clerk", field_id)
        if not f.visible(self.values):
            raise EditRefused("hidden", f"{field_id} does not apply to the current answers", field_id)
        if not _shape_ok(f, value):
            raise EditRefused("bad_value", f"{type(value).__name__} is no value for a {f.type.value} field", field_id)
        if by == "clerk":
            self.needs_check.pop(field_id, None)
        if normalize(value) == normalize(self.values.get(field_id)):
            return self.version
        self._set(field_id, value)
        self._changed()
        return self.version

    def mark_checked(self, field_id: str) -> None:
        """The clerk compared a prefilled value with the document and it is right as it is."""
        self._field(field_id)
        self.needs_check.pop(field_id, None)

    def sign(self, field_id: str, version: int, image_sha256: str, at: dt.datetime, by: Role = "citizen") -> str:
        """The citizen signs what they saw as ``version``; the signature is bound to the document hash."""
        f = self._field(field_id)
        if f.type is not FieldType.SIGNATURE:
            raise EditRefused("not_signature_field", f"{field_id} is not a signature field", field_id)
        if by != "citizen":
            raise EditRefused("not_allowed", "only the citizen signs", field_id)
        if version != self.version:
            raise StaleVersion(version, self.version)
        digest = self.document_hash
        self.values[field_id] = {"document_hash": digest, "version": version, "signed_at": at.isoformat(),
                                 "image_sha256": image_sha256}
        return digest

    def confirm(self, version: int, at: dt.datetime, today: dt.date | None = None,
                lang: str = SOURCE_LANGUAGE) -> str:
        """The citizen confirms exactly ``version``; returns the confirmed document hash."""
        if version != self.version:
            raise StaleVersion(version, self.version)
        errors = validate_values(self.form, self.values, today or at.date(), lang)
        if errors or self.needs_check:
            raise NotReady(errors, sorted(self.needs_check))
        self.confirmed_by_citizen_at = at
        self.confirmed_version = version
        return self.document_hash

    def errors(self, today: dt.date, lang: str = SOURCE_LANGUAGE) -> list[FieldError]:
        return validate_values(self.form, self.values, today, lang)

    def snapshot(self, role: Role = "clerk") -> dict[str, Any]:
        """JSON-ready state to broadcast; the citizen's copy leaves out the clerk's check marks."""
        out: dict[str, Any] = {
            "form": self.form.id,
            "form_version": self.form.version,
            "version": self.version,
            "values": {k: normalize(v) for k, v in self.values.items()},
            "document_hash": self.document_hash,
            "confirmed": self.confirmed,
            "confirmed_by_citizen_at": self.confirmed_by_citizen_at.isoformat() if self.confirmed else None,
        }
        if role == "clerk":
            out["needs_check"] = dict(self.needs_check)
        return out

    # -- internals ------------------------------------------------------------------------------------------------

    def _field(self, field_id: str) -> FieldDef:
        try:
            return self.form.field(field_id)
        except KeyError:
            raise EditRefused("unknown_field", f"{self.form.id} has no field {field_id!r}", field_id) from None

    def _set(self, field_id: str, value: Any) -> None:
        if normalize(value) is None:
            self.values.pop(field_id, None)
        else:
            self.values[field_id] = value

    def _changed(self) -> None:
        """After any change: drop values of fields that no longer apply, signatures and the confirmation."""
        while hidden := [f.id for f in self.form.fields if f.id in self.values and not f.visible(self.values)]:
            for field_id in hidden:
                del self.values[field_id]
                self.needs_check.pop(field_id, None)
        for f in self.form.fields:
            if f.type is FieldType.SIGNATURE:
                self.values.pop(f.id, None)
        self.confirmed_by_citizen_at = None
        self.confirmed_version = None
        self.version += 1


_SHAPES: dict[FieldType, tuple[type, ...]] = {
    FieldType.TEXT: (str,), FieldType.TEXTAREA: (str,), FieldType.EMAIL: (str,), FieldType.PHONE: (str,),
    FieldType.DATE: (str, dt.date), FieldType.SELECT: (str,), FieldType.NATIONALITY: (str,),
    FieldType.CHECKBOX: (bool,), FieldType.NUMBER: (int, float, str), FieldType.ADDRESS: (dict,),
    FieldType.UPLOAD: (dict, list),
}


def _shape_ok(f: FieldDef, value: Any) -> bool:
    """Only the JSON kind is checked here; whether the value is *right* is validation's job (shown, not refused)."""
    if value is None:
        return True
    if f.type is FieldType.NUMBER and isinstance(value, bool):
        return False
    if f.type is FieldType.ADDRESS:
        return isinstance(value, dict) and all(isinstance(k, str) and (v is None or isinstance(v, str))
                                               for k, v in value.items())
    return isinstance(value, _SHAPES[f.type])
