"""The form as the browser and the clerk app get it: one language, JSON-ready, nothing to interpret but data.

Texts that fell back to German are listed per element in ``fallback_de``, so the page can mark them
``lang="de" dir="ltr"`` inside an Arabic page (screen readers and bidi layout need that).
"""

from __future__ import annotations

from typing import Any

from . import address, countries
from .engine_texts import address_part_label
from .languages import direction, pick
from .model import FieldDef, FieldType, FormDefinition, Texts


def localized(form: FormDefinition, lang: str) -> dict[str, Any]:
    """JSON-ready view of ``form`` in ``lang``; German where a translation is missing."""
    out: dict[str, Any] = {"form": form.id, "form_version": form.version, "services": list(form.services),
                           "lang": lang, "dir": direction(lang)}
    _put_texts(out, lang, title=form.title, description=form.description)
    out["sections"] = []
    for section in form.sections:
        s: dict[str, Any] = {"id": section.id}
        _put_texts(s, lang, title=section.title, help=section.help)
        s["fields"] = [_field(f, lang) for f in section.fields]
        out["sections"].append(s)
    return out


def _put_texts(target: dict[str, Any], lang: str, **texts: Texts | None) -> None:
    for key, value in texts.items():
        if value is None:
            continue
        text, actual = pick(value, lang)
        target[key] = text
        if actual != lang:
            target.setdefault("fallback_de", []).append(key)


def _field(f: FieldDef, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f.id, "type": f.type.value}
    _put_texts(out, lang, label=f.label, help=f.help)
    out["required"] = f.required
    out["readonly_for_citizen"] = f.readonly_for_citizen
    if f.prefill:
        out["prefill"] = f.prefill
    if f.when:
        out["when"] = f.when.to_json()
    constraints = f.validation.to_json()
    if constraints:
        out["constraints"] = constraints
    if f.type is FieldType.SELECT:
        out["options"] = []
        for o in f.options:
            option: dict[str, Any] = {"value": o.value}
            _put_texts(option, lang, label=o.label)
            if o.when:
                option["when"] = o.when.to_json()
            out["options"].append(option)
    elif f.type is FieldType.NATIONALITY:
        out["options"] = [{"value": code, "label": label} for code, label in countries.nationality_options(lang)]
    elif f.type is FieldType.UPLOAD:
        out["accept"] = list(f.accept)
        if f.max_mb is not None:
            out["max_mb"] = f.max_mb
    elif f.type is FieldType.ADDRESS:
        out["abroad"] = f.abroad
        out["parts"] = [_address_part(p, lang) for p in address.parts(f.abroad)]
    return out


def _address_part(part: address.AddressPart, lang: str) -> dict[str, Any]:
    label, actual = address_part_label(part.id, lang)
    out: dict[str, Any] = {"id": part.id, "label": label, "required": part.required, "max_length": part.max_length}
    if actual != lang:
        out["fallback_de"] = ["label"]
    if part.pattern is not None:
        out["pattern"] = part.pattern.pattern
    if part.id == "country":
        out["options"] = [{"value": code, "label": name} for code, name in countries.country_options(lang)]
    return out
