"""Form definitions as plain, frozen data: what the loader builds from a definition file.

Nothing here knows about TOML or browsers; the loader fills these, validation, rendering and the session read them.
Texts are ``Texts`` (language code → string), German always present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Texts = dict[str, str]


class FieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    SELECT = "select"
    CHECKBOX = "checkbox"
    ADDRESS = "address"
    EMAIL = "email"
    PHONE = "phone"
    NUMBER = "number"
    UPLOAD = "upload"
    SIGNATURE = "signature"
    NATIONALITY = "nationality"


# Where a value may come from before anyone types: the ID card's machine-readable zone.
PREFILL_SOURCES: dict[str, tuple[FieldType, ...]] = {
    "mrz.surname": (FieldType.TEXT,),
    "mrz.given_names": (FieldType.TEXT,),
    "mrz.birth_date": (FieldType.DATE,),
    "mrz.nationality": (FieldType.NATIONALITY, FieldType.TEXT),
    "mrz.sex": (FieldType.SELECT,),
    "mrz.document_number": (FieldType.TEXT,),
    "mrz.expiry_date": (FieldType.DATE,),
}


@dataclass(frozen=True)
class Condition:
    """Show (and require) a field or offer an option only while another field has one of some values."""

    field: str
    values: tuple[Any, ...]

    def holds(self, values: dict[str, Any]) -> bool:
        current = values.get(self.field)
        if current is None and any(v is False for v in self.values):
            return True  # an untouched checkbox is unticked
        return current is not None and current in self.values

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "in": list(self.values)}


@dataclass(frozen=True)
class Option:
    value: str
    label: Texts
    when: Condition | None = None


@dataclass(frozen=True)
class Validation:
    """Constraints on one value. Dates are kept as written ("today", "today-130y", "2020-01-01") and resolved
    against the day of validation, so a definition never goes stale."""

    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    pattern_message: Texts | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    min_date: str | None = None
    max_date: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("min_length", "max_length", "min", "max", "min_date", "max_date"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.pattern is not None:
            out["pattern"] = self.pattern.pattern
        if self.integer:
            out["integer"] = True
        return out


@dataclass(frozen=True)
class FieldDef:
    id: str
    type: FieldType
    label: Texts
    help: Texts | None = None
    required: bool = False
    readonly_for_citizen: bool = False
    prefill: str | None = None
    when: Condition | None = None
    validation: Validation = field(default_factory=Validation)
    options: tuple[Option, ...] = ()
    # upload: accepted media types and size limit
    accept: tuple[str, ...] = ()
    max_mb: float | None = None
    # address: a residence abroad has a country and no German postcode rule
    abroad: bool = False

    def visible(self, values: dict[str, Any]) -> bool:
        return self.when is None or self.when.holds(values)


@dataclass(frozen=True)
class Section:
    id: str
    title: Texts
    fields: tuple[FieldDef, ...]
    help: Texts | None = None


@dataclass(frozen=True)
class FormDefinition:
    id: str
    version: int
    services: tuple[str, ...]
    title: Texts
    sections: tuple[Section, ...]
    description: Texts | None = None
    source: str = ""  # the file it was loaded from, for messages

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, field_id: str) -> FieldDef:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)
