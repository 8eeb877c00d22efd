"""Reading form definition files (one TOML file per form) into :mod:`model` objects.

Towns edit these files by hand, so every mistake is reported with the file, the place in it and what was
expected, and all mistakes of all files come at once (fixing one per restart would be tedious). Unknown keys are
errors, not ignored: a misspelt ``requried = true`` must not silently make a field optional.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .languages import SOURCE_LANGUAGE
from .model import (
    PREFILL_SOURCES,
    Condition,
    FieldDef,
    FieldType,
    FormDefinition,
    Option,
    Section,
    Texts,
    Validation,
)
from .relative_dates import is_date_expression

DEFAULT_FOLDER = Path(__file__).parent / "definitions"

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_MEDIA_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")

_FORM_KEYS = {"id", "version", "services", "title", "description", "sections"}
_SECTION_KEYS = {"id", "title", "help", "fields"}
_FIELD_KEYS = {"id", "type", "label", "help", "required", "readonly_for_citizen", "prefill", "when", "validation",
               "options", "accept", "max_mb", "abroad"}
_OPTION_KEYS = {"value", "label", "when"}
_WHEN_KEYS = {"field", "equals", "in"}
_VALIDATION_KEYS: dict[FieldType, set[str]] = {
    FieldType.TEXT: {"min_length", "max_length", "pattern", "message"},
    FieldType.TEXTAREA: {"min_length", "max_length", "pattern", "message"},
    FieldType.EMAIL: {"max_length"},
    FieldType.PHONE: {"max_length"},
    FieldType.NUMBER: {"min", "max", "integer"},
    FieldType.DATE: {"min_date", "max_date"},
}
_TYPE_ONLY_KEYS = {"options": FieldType.SELECT, "accept": FieldType.UPLOAD, "max_mb": FieldType.UPLOAD,
                   "abroad": FieldType.ADDRESS}
_CONDITION_TYPES = (FieldType.SELECT, FieldType.CHECKBOX, FieldType.NATIONALITY)


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


class FormDefinitionError(ValueError):
    """One or more definition files are wrong; ``problems`` lists each with file and place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("Fehler in Formulardefinitionen:\n" + "\n".join(f"  - {p}" for p in problems))


def load_forms(folder: Path | str = DEFAULT_FOLDER) -> dict[str, FormDefinition]:
    """All ``*.toml`` definitions of a folder by form id; raises :class:`FormDefinitionError` listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FormDefinitionError([Problem(str(folder), "", "Ordner nicht gefunden")])
    forms: dict[str, FormDefinition] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.toml")):
        form, found = _load_file(path)
        problems += found
        if form is not None:
            forms[form.id] = form
    if problems:
        raise FormDefinitionError(problems)
    return forms


def load_form(path: Path | str) -> FormDefinition:
    """One definition file; raises :class:`FormDefinitionError` on any problem."""
    form, problems = _load_file(Path(path))
    if problems or form is None:
        raise FormDefinitionError(problems)
    return form


def _load_file(path: Path) -> tuple[FormDefinition | None, list[Problem]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(path.name, "", f"kein gültiges TOML: {exc}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path.name, "", f"nicht lesbar: {exc}")]
    reader = _Reader(path.name)
    form = reader.form(data, expected_id=path.stem)
    return (form if not reader.problems else None), reader.problems


class _Reader:
    """Walks the parsed TOML, building model objects and collecting problems instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.file, where, message))

    # -- generic pieces -------------------------------------------------------------------------------------------

    def keys(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" (meinten Sie '{close[0]}'?)" if close else f" (erlaubt: {', '.join(sorted(allowed))})"
                self.fail(where, f"unbekannter Schlüssel '{key}'{hint}")

    def texts(self, value: Any, where: str, required: bool = True) -> Texts | None:
        if value is None:
            if required:
                self.fail(where, "fehlt (Tabelle mit Übersetzungen, mindestens de = \"…\")")
            return None
        if isinstance(value, str):
            self.fail(where, f"muss eine Tabelle je Sprache sein, z. B. {where.rsplit('.', 1)[-1]}.de = \"{value}\"")
            return None
        if not isinstance(value, dict):
            self.fail(where, "muss eine Tabelle je Sprache sein (de = \"…\", en = \"…\")")
            return None
        out: Texts = {}
        for lang, text in value.items():
            if not _LANG.match(lang):
                self.fail(f"{where}.{lang}", "kein Sprachcode (zwei oder drei Kleinbuchstaben wie de, en, ar)")
            elif not isinstance(text, str) or not text.strip():
                self.fail(f"{where}.{lang}", "muss ein nicht leerer Text sein")
            else:
                out[lang] = text.strip()
        if SOURCE_LANGUAGE not in value:
            self.fail(where, "deutscher Text (de) fehlt; er ist Pflicht und Rückfall für fehlende Übersetzungen")
        return out

    def identifier(self, data: dict[str, Any], where: str) -> str:
        value = data.get("id")
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(where, f"id {value!r} ungültig: Pflicht, Kleinbuchstaben, Ziffern und _ , beginnt mit Buchstaben")
            return str(value)
        return value

    def flag(self, data: dict[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if type(value) is not bool:
            self.fail(f"{where}.{key}", f"muss true oder false sein, nicht {value!r}")
            return False
        return value

    def number(self, data: dict[str, Any], key: str, where: str, whole: bool = False) -> Any:
        value = data.get(key)
        if value is None:
            return None
        ok = type(value) is int or (not whole and type(value) is float)
        if not ok or (value < 0 and whole):
            self.fail(f"{where}.{key}", f"muss {'eine ganze Zahl ≥ 0' if whole else 'eine Zahl'} sein, nicht {value!r}")
            return None
        return value

    def table_list(self, data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(f"{where}.{key}", f"muss eine Liste von Tabellen sein ([[{key}]])")
            return []
        return value

    # -- the form -------------------------------------------------------------------------------------------------

    def form(self, data: dict[str, Any], expected_id: str) -> FormDefinition:
        self.keys(data, _FORM_KEYS, "")
        form_id = self.identifier(data, "id")
        if form_id != expected_id:
            self.fail("id", f"'{form_id}' muss dem Dateinamen entsprechen ('{expected_id}')")
        version = data.get("version")
        if type(version) is not int or version < 1:
            self.fail("version", f"muss eine ganze Zahl ≥ 1 sein, nicht {version!r}")
            version = 1
        services = data.get("services")
        if not isinstance(services, list) or not services or not all(
                isinstance(s, str) and _ID.match(s) for s in services):
            self.fail("services", "Pflicht: Liste der Dienstleistungs-IDs, z. B. services = [\"anmeldung\"]")
            services = []
        elif len(set(services)) != len(services):
            self.fail("services", "enthält eine ID doppelt")
        title = self.texts(data.get("title"), "title") or {}
        description = self.texts(data.get("description"), "description", required=False)
        section_data = self.table_list(data, "sections", "")
        if not section_data:
            self.fail("sections", "mindestens ein Abschnitt ([[sections]]) ist nötig")
        sections = tuple(self.section(s, f"sections[{i}]") for i, s in enumerate(section_data))
        form = FormDefinition(id=form_id, version=version, services=tuple(services), title=title,
                              sections=sections, description=description, source=self.file)
        self.cross_check(form)
        return form

    def section(self, data: dict[str, Any], where: str) -> Section:
        section_id = self.identifier(data, where)
        where = f"{where} '{section_id}'"
        self.keys(data, _SECTION_KEYS, where)
        field_data = self.table_list(data, "fields", where)
        if not field_data:
            self.fail(where, "Abschnitt ohne Felder ([[sections.fields]])")
        return Section(
            id=section_id,
            title=self.texts(data.get("title"), f"{where}.title") or {},
            help=self.texts(data.get("help"), f"{where}.help", required=False),
            fields=tuple(self.field(f, f"{where}.fields[{i}]") for i, f in enumerate(field_data)),
        )

    def field(self, data: dict[str, Any], where: str) -> FieldDef:
        field_id = self.identifier(data, where)
        where = f"{where} '{field_id}'"
        self.keys(data, _FIELD_KEYS, where)
        try:
            ftype = FieldType(data.get("type"))
        except ValueError:
            allowed = ", ".join(t.value for t in FieldType)
            self.fail(f"{where}.type", f"unbekannter Typ {data.get('type')!r} (erlaubt: {allowed})")
            ftype = FieldType.TEXT
        for key, only in _TYPE_ONLY_KEYS.items():
            if key in data and ftype is not only:
                self.fail(f"{where}.{key}", f"gibt es nur bei type = \"{only.value}\"")
        options = tuple(self.option(o, f"{where}.options[{i}]") for i, o in
                        enumerate(self.table_list(data, "options", where)))
        if ftype is FieldType.SELECT:
            values = [o.value for o in options]
            if len(values) < 2:
                self.fail(f"{where}.options", "eine Auswahl braucht mindestens zwei Optionen "
                                              "([[sections.fields.options]])")
            if len(set(values)) != len(values):
                self.fail(f"{where}.options", "Optionswerte müssen eindeutig sein")
        accept: tuple[str, ...] = ()
        if ftype is FieldType.UPLOAD:
            raw = data.get("accept")
            if not (isinstance(raw, list) and raw and all(isinstance(a, str) and _MEDIA_TYPE.match(a) for a in raw)):
                self.fail(f"{where}.accept", "Pflicht bei Uploads: Liste von Medientypen, z. B. [\"application/pdf\"]")
            else:
                accept = tuple(raw)
        prefill = data.get("prefill")
        if prefill is not None and prefill not in PREFILL_SOURCES:
            self.fail(f"{where}.prefill", f"unbekannte Quelle {prefill!r} (erlaubt: {', '.join(PREFILL_SOURCES)})")
        elif prefill is not None and ftype not in PREFILL_SOURCES[prefill]:
            types = " oder ".join(t.value for t in PREFILL_SOURCES[prefill])
            self.fail(f"{where}.prefill", f"{prefill} passt nur zu type = {types}")
        return FieldDef(
            id=field_id,
            type=ftype,
            label=self.texts(data.get("label"), f"{where}.label") or {},
            help=self.texts(data.get("help"), f"{where}.help", required=False),
            required=self.flag(data, "required", where),
            readonly_for_citizen=self.flag(data, "readonly_for_citizen", where),
            prefill=prefill,
            when=self.condition(data.get("when"), f"{where}.when"),
            validation=self.validation(data.get("validation", {}), ftype, f"{where}.validation"),
            options=options,
            accept=accept,
            max_mb=self.number(data, "max_mb", where),
            abroad=self.flag(data, "abroad", where),
        )

    def option(self, data: dict[str, Any], where: str) -> Option:
        self.keys(data, _OPTION_KEYS, where)
        value = data.get("value")
        if not isinstance(value, str) or not value:
            self.fail(f"{where}.value", "Pflicht: nicht leerer Text")
            value = str(value)
        return Option(value=value, label=self.texts(data.get("label"), f"{where} '{value}'.label") or {},
                      when=self.condition(data.get("when"), f"{where}.when"))

    def condition(self, data: Any, where: str) -> Condition | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            self.fail(where, "muss eine Tabelle sein: when = { field = \"…\", equals = … } oder in = [ … ]")
            return None
        self.keys(data, _WHEN_KEYS, where)
        if not isinstance(data.get("field"), str):
            self.fail(where, "field = \"…\" fehlt")
        if ("equals" in data) == ("in" in data):
            self.fail(where, "genau eines von equals = … oder in = [ … ] angeben")
            return None
        values = [data["equals"]] if "equals" in data else data["in"]
        if not isinstance(values, list) or not values:
            self.fail(where, "in = [ … ] muss eine nicht leere Liste sein")
            return None
        return Condition(field=str(data.get("field")), values=tuple(values))

    def validation(self, data: Any, ftype: FieldType, where: str) -> Validation:
        if not isinstance(data, dict):
            self.fail(where, "muss eine Tabelle sein")
            return Validation()
        allowed = _VALIDATION_KEYS.get(ftype, set())
        if data and not allowed:
            self.fail(where, f"type = \"{ftype.value}\" hat keine einstellbaren Prüfungen")
            return Validation()
        self.keys(data, allowed, where)
        pattern = None
        if "pattern" in data:
            try:
                pattern = re.compile(data["pattern"])
            except (re.error, TypeError) as exc:
                self.fail(f"{where}.pattern", f"ungültiger regulärer Ausdruck: {exc}")
        if "message" in data and "pattern" not in data:
            self.fail(f"{where}.message", "eine eigene Meldung gibt es nur zusammen mit pattern")
        dates = {}
        for key in ("min_date", "max_date"):
            value = data.get(key)
            if value is not None and not (isinstance(value, str) and is_date_expression(value)):
                self.fail(f"{where}.{key}", f"{value!r} ist weder ein Datum (2020-01-31) noch today, today-18y, "
                                            "today+7d, today-2w, today+3m")
                value = None
            dates[key] = value
        integer = self.flag(data, "integer", where)
        validation = Validation(
            min_length=self.number(data, "min_length", where, whole=True),
            max_length=self.number(data, "max_length", where, whole=True),
            pattern=pattern,
            pattern_message=self.texts(data.get("message"), f"{where}.message", required=False),
            min=self.number(data, "min", where),
            max=self.number(data, "max", where),
            integer=integer,
            **dates,
        )
        for low, high in (("min_length", "max_length"), ("min", "max")):
            lo, hi = getattr(validation, low), getattr(validation, high)
            if lo is not None and hi is not None and lo > hi:
                self.fail(where, f"{low} ({lo}) ist größer als {high} ({hi})")
        return validation

    # -- checks across fields -------------------------------------------------------------------------------------

    def cross_check(self, form: FormDefinition) -> None:
        seen_sections: set[str] = set()
        for section in form.sections:
            if section.id in seen_sections:
                self.fail(f"Abschnitt '{section.id}'", "id kommt doppelt vor")
            seen_sections.add(section.id)
        by_id: dict[str, FieldDef] = {}
        for f in form.fields:
            if f.id in by_id:
                self.fail(f"Feld '{f.id}'", "id kommt im Formular doppelt vor (Feld-IDs gelten formularweit)")
            by_id[f.id] = f
        for f in form.fields:
            self.check_condition(f.when, by_id, f"Feld '{f.id}'.when", own=f.id)
            for o in f.options:
                self.check_condition(o.when, by_id, f"Feld '{f.id}' Option '{o.value}'.when", own=f.id)
            if f.prefill == "mrz.sex" and not {"M", "F", "X"} <= {o.value for o in f.options}:
                self.fail(f"Feld '{f.id}'.prefill", "mrz.sex braucht Optionen mit den Werten M, F und X")

    def check_condition(self, when: Condition | None, by_id: dict[str, FieldDef], where: str, own: str) -> None:
        if when is None:
            return
        target = by_id.get(when.field)
        if target is None or when.field == own:
            self.fail(where, f"bezieht sich auf unbekanntes Feld '{when.field}'")
            return
        if target.type not in _CONDITION_TYPES:
            self.fail(where, f"Bedingungen gehen nur auf select-, checkbox- oder nationality-Felder, "
                             f"'{target.id}' ist {target.type.value}")
        elif target.type is FieldType.CHECKBOX and not all(type(v) is bool for v in when.values):
            self.fail(where, f"'{target.id}' ist eine Checkbox: equals = true oder false")
        elif target.type is FieldType.SELECT:
            known = {o.value for o in target.options}
            for v in when.values:
                if v not in known:
                    self.fail(where, f"'{v}' ist keine Option von '{target.id}' (Optionen: {', '.join(sorted(known))})")
