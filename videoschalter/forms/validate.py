"""Checking filled-in values against a form definition, with messages in the citizen's (or clerk's) language.

Hidden fields (whose ``when`` does not hold) are not checked: the session drops their values anyway. ``today`` is a
parameter, not ``date.today()``, so "not in the future" is testable and the same for clerk and server.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

from . import address, countries
from .document import document_hash
from .engine_texts import message
from .languages import SOURCE_LANGUAGE, pick
from .model import FieldDef, FieldType, FormDefinition
from .relative_dates import resolve

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()/.-]{4,28}$")
UPLOAD_KEYS = {"name", "media_type", "size", "sha256"}


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str
    part: str | None = None  # for address fields: which part

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def is_empty(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict | list | tuple):
        return all(is_empty(v) for v in (value.values() if isinstance(value, dict) else value))
    return False


def validate_values(form: FormDefinition, values: dict[str, Any], today: dt.date,
                    lang: str = SOURCE_LANGUAGE) -> list[FieldError]:
    """Every problem of every visible field, in form order; an empty list means the form can be confirmed."""
    errors: list[FieldError] = []
    for f in form.fields:
        if not f.visible(values):
            continue
        value = values.get(f.id)
        check = _Check(f, lang, today)
        if is_empty(value):
            if f.required:
                check.fail(_REQUIRED_KEY.get(f.type, "required"), code="required")
        else:
            _CHECKS[f.type](check, value, form, values)
        errors += check.errors
    return errors


_REQUIRED_KEY = {FieldType.CHECKBOX: "required_checkbox", FieldType.UPLOAD: "required_upload",
                 FieldType.SIGNATURE: "required_signature"}


class _Check:
    """Collects the errors of one field."""

    def __init__(self, f: FieldDef, lang: str, today: dt.date) -> None:
        self.f, self.lang, self.today = f, lang, today
        self.errors: list[FieldError] = []

    def fail(self, key: str, code: str | None = None, part: str | None = None, text: str | None = None,
             **params: Any) -> None:
        self.errors.append(FieldError(self.f.id, code or key, text or message(key, self.lang, **params), part))

    def number_text(self, n: float) -> str:
        return format_decimal(n, locale=_babel_locale(self.lang))

    def date_text(self, d: dt.date) -> str:
        return format_date(d, format="medium", locale=_babel_locale(self.lang))


def _babel_locale(lang: str) -> str:
    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return SOURCE_LANGUAGE
    return lang


def _text(c: _Check, value: Any, *_: Any) -> None:
    if not isinstance(value, str):
        c.fail("invalid_value")
        return
    text = value.strip()
    v = c.f.validation
    if v.min_length is not None and len(text) < v.min_length:
        c.fail("too_short", min=v.min_length)
    if v.max_length is not None and len(text) > v.max_length:
        c.fail("too_long", max=v.max_length)
    if v.pattern is not None and not v.pattern.fullmatch(text):
        custom = pick(v.pattern_message, c.lang)[0] if v.pattern_message else None
        c.fail("pattern", text=custom)


def _email(c: _Check, value: Any, *_: Any) -> None:
    max_length = c.f.validation.max_length or 254
    if not isinstance(value, str) or len(value.strip()) > max_length or not EMAIL.match(value.strip()):
        c.fail("invalid_email")


def _phone(c: _Check, value: Any, *_: Any) -> None:
    max_length = c.f.validation.max_length or 30
    text = value.strip() if isinstance(value, str) else ""
    digits = sum(ch.isdigit() for ch in text)
    if not PHONE.match(text) or len(text) > max_length or not 5 <= digits <= 15:
        c.fail("invalid_phone")


def _number(c: _Check, value: Any, *_: Any) -> None:
    n = parse_number(value)
    if n is None:
        c.fail("not_a_number")
        return
    v = c.f.validation
    if v.integer and n != int(n):
        c.fail("not_whole")
    if v.min is not None and n < v.min:
        c.fail("too_small", min=c.number_text(v.min))
    if v.max is not None and n > v.max:
        c.fail("too_large", max=c.number_text(v.max))


def parse_number(value: Any) -> float | None:
    """Numbers as typed: 3, 3.5, "3,5" (German decimal comma)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            return None
    return None


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _date(c: _Check, value: Any, *_: Any) -> None:
    d = parse_date(value)
    if d is None:
        c.fail("invalid_date")
        return
    v = c.f.validation
    if v.min_date is not None and d < resolve(v.min_date, c.today):
        if v.min_date == "today":
            c.fail("date_in_past", code="date_too_early")
        else:
            c.fail("date_too_early", date=c.date_text(resolve(v.min_date, c.today)))
    if v.max_date is not None and d > resolve(v.max_date, c.today):
        if v.max_date == "today":
            c.fail("date_in_future", code="date_too_late")
        else:
            c.fail("date_too_late", date=c.date_text(resolve(v.max_date, c.today)))


def _select(c: _Check, value: Any, form: FormDefinition, values: dict[str, Any]) -> None:
    option = next((o for o in c.f.options if o.value == value), None)
    if option is None or (option.when is not None and not option.when.holds(values)):
        c.fail("not_an_option")


def _checkbox(c: _Check, value: Any, *_: Any) -> None:
    if not isinstance(value, bool):
        c.fail("invalid_value")


def _nationality(c: _Check, value: Any, *_: Any) -> None:
    if not isinstance(value, str) or not countries.is_nationality(value):
        c.fail("not_an_option")


def _address(c: _Check, value: Any, *_: Any) -> None:
    rules = address.parts(c.f.abroad)
    if not isinstance(value, dict) or set(value) - {p.id for p in rules}:
        c.fail("invalid_value")
        return
    for part in rules:
        raw = value.get(part.id)
        if raw is not None and not isinstance(raw, str):
            c.fail("invalid_value", part=part.id)
            continue
        text = (raw or "").strip()
        if not text:
            if part.required:
                c.fail("required", part=part.id)
            continue
        if part.pattern is not None and not part.pattern.fullmatch(text):
            c.fail(part.error, part=part.id)  # says more than "too long" for a six-digit postcode
        elif len(text) > part.max_length:
            c.fail("too_long", part=part.id, max=part.max_length)
        elif part.id == "country":
            if text == "DE":
                c.fail("country_is_germany", part=part.id)
            elif not countries.is_country(text):
                c.fail("unknown_country", part=part.id)


def _upload(c: _Check, value: Any, *_: Any) -> None:
    files = value if isinstance(value, list) else [value]
    for item in files:
        if not isinstance(item, dict) or set(item) - UPLOAD_KEYS or not isinstance(item.get("media_type"), str):
            c.fail("invalid_value")
            return
        if item["media_type"] not in c.f.accept:
            c.fail("upload_type", types=", ".join(_type_names(c.f.accept)))
        size = item.get("size")
        if c.f.max_mb is not None and isinstance(size, int) and size > c.f.max_mb * 1024 * 1024:
            c.fail("upload_too_large", mb=c.number_text(c.f.max_mb))


def _type_names(media_types: tuple[str, ...]) -> list[str]:
    """Names a citizen knows: PDF, JPEG, PNG rather than application/pdf."""
    return [t.split("/")[-1].upper().replace("JPEG", "JPG") for t in media_types]


def _signature(c: _Check, value: Any, form: FormDefinition, values: dict[str, Any]) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("document_hash"), str):
        c.fail("invalid_value")
    elif value["document_hash"] != document_hash(form, values):
        c.fail("signature_stale")


_CHECKS = {
    FieldType.TEXT: _text,
    FieldType.TEXTAREA: _text,
    FieldType.EMAIL: _email,
    FieldType.PHONE: _phone,
    FieldType.NUMBER: _number,
    FieldType.DATE: _date,
    FieldType.SELECT: _select,
    FieldType.CHECKBOX: _checkbox,
    FieldType.NATIONALITY: _nationality,
    FieldType.ADDRESS: _address,
    FieldType.UPLOAD: _upload,
    FieldType.SIGNATURE: _signature,
}
