"""The form definitions as the clerk app needs them: German labels, which form a service uses, which fields
hold identity data. Qt-free; the definitions are the same TOML files the server loads (videoschalter/forms)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from videoschalter.forms import FormDefinition, load_forms, localized


@functools.cache
def definitions() -> dict[str, FormDefinition]:
    return load_forms()


def forms_for_service(service: str | None) -> list[str]:
    """Form ids that belong to a service; the first is opened automatically for a booked case."""
    if not service:
        return []
    return [form_id for form_id, form in definitions().items() if service in form.services]


def form_titles() -> dict[str, str]:
    return {form_id: form.title.get("de", form_id) for form_id, form in definitions().items()}


@functools.cache
def german(form_id: str) -> dict[str, Any] | None:
    """The localized (German) JSON view: sections, fields, labels, options."""
    form = definitions().get(form_id)
    return None if form is None else localized(form, "de")


def fields(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for section in view.get("sections", []) for f in section.get("fields", [])]


def identity_fields(form_id: str | None) -> frozenset[str]:
    """Fields the ID card fills; typing into one of them counts against the "no typing" target."""
    form = definitions().get(form_id or "")
    if form is None:
        return frozenset()
    return frozenset(f.id for f in form.fields if f.prefill and f.prefill.startswith("mrz."))


def visible(field: dict[str, Any], values: dict[str, Any]) -> bool:
    """The ``when`` rule of a localized field (mirrors videoschalter.forms.model.Condition.holds)."""
    when = field.get("when")
    if not when:
        return True
    current = values.get(when["field"])
    allowed = when.get("in", [])
    if current is None and any(v is False for v in allowed):
        return True
    return current is not None and current in allowed


def german_date(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
    except ValueError:
        return value


def iso_date(text: str) -> str | None:
    """"24.12.1990" or "1990-12-24" → "1990-12-24"; empty → None; anything else is passed on unchanged,
    so the server's validation names the problem in the form (shown, not silently dropped)."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text
