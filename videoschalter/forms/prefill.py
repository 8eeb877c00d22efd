"""Filling identity fields from the ID card's machine-readable zone (MRZ), and saying what the clerk must check.

The MRZ knows only A–Z: "Müller" is printed as MUELLER, "Groß" as GROSS, "Zoë" as ZOE, hyphens and apostrophes
become spaces. None of this can be reversed reliably (MUELLER may really be Mueller), so names are only brought
from upper case into title case and always marked ``needs_check``; the clerk compares them with the card.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .countries import is_nationality, nationality_label, normalize_nationality
from .languages import SOURCE_LANGUAGE
from .model import FieldType, FormDefinition
from .relative_dates import add_months

# Spellings an MRZ uses for letters it does not have.
_TRANSLITERATION_HINT = re.compile(r"AE|OE|UE|SS")


@dataclass(frozen=True)
class Prefilled:
    value: Any
    needs_check: bool
    reason: str | None = None  # why the clerk should look: mrz_name, mrz_umlaut, mrz_sex, mrz_unknown, …

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "needs_check": self.needs_check, "reason": self.reason}


def prefill(form: FormDefinition, mrz: dict[str, Any], today: dt.date | None = None) -> dict[str, Prefilled]:
    """Values for the form's fields with a ``prefill = "mrz.…"`` source, by field id.

    ``mrz`` is a read as from ``MrzResult.to_json_dict()`` (names with spaces or ``<``, ISO dates) or raw MRZ
    fields (YYMMDD dates, ``MUELLER<<ERIKA<MARIA`` as surname). Fields whose source is missing are left out.
    """
    today = today or dt.date.today()
    fields = _mrz_fields(mrz, today)
    out: dict[str, Prefilled] = {}
    for f in form.fields:
        if not f.prefill or not f.prefill.startswith("mrz."):
            continue
        source = f.prefill.removeprefix("mrz.")
        if source not in fields:
            continue
        filled = fields[source]
        if source == "nationality" and f.type is FieldType.TEXT and filled.value is not None:
            label = nationality_label(filled.value, SOURCE_LANGUAGE)
            filled = Prefilled(label or filled.value, filled.needs_check, filled.reason)
        out[f.id] = filled
    return out


def _mrz_fields(mrz: dict[str, Any], today: dt.date) -> dict[str, Prefilled]:
    surname, given = mrz.get("surname"), mrz.get("given_names")
    if isinstance(surname, str) and "<<" in surname and not given:
        surname, _, given = surname.partition("<<")
    out: dict[str, Prefilled] = {}
    if isinstance(surname, str) and surname.strip("< "):
        out["surname"] = _name(surname)
    if isinstance(given, str) and given.strip("< "):
        out["given_names"] = _name(given)
    if mrz.get("birth_date") is not None:
        out["birth_date"] = _date(mrz["birth_date"], today, birth=True)
    if mrz.get("expiry_date") is not None:
        out["expiry_date"] = _date(mrz["expiry_date"], today, birth=False)
    if isinstance(mrz.get("nationality"), str):
        code = normalize_nationality(mrz["nationality"])
        known = is_nationality(code)
        out["nationality"] = Prefilled(code, not known, None if known else "mrz_unknown")
    if isinstance(mrz.get("sex"), str):
        sex = mrz["sex"].strip().upper().replace("<", "X") or "X"
        # X stands for both "divers" and "ohne Angabe" in the register; only the person can say which.
        out["sex"] = Prefilled(sex, sex == "X", "mrz_sex" if sex == "X" else None)
    if isinstance(mrz.get("document_number"), str):
        out["document_number"] = Prefilled(mrz["document_number"].replace("<", "").upper(), False)
    return out


def title_case_mrz(raw: str) -> str:
    """MRZ upper case to title case: ``VON<DER<LEYEN`` → ``Von Der Leyen`` (no guessing of particles or umlauts)."""
    words = [w for w in re.split(r"[<\s]+", raw) if w]
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


def _name(raw: str) -> Prefilled:
    hint = "mrz_umlaut" if _TRANSLITERATION_HINT.search(raw.upper()) else "mrz_name"
    return Prefilled(title_case_mrz(raw), True, hint)


def _date(raw: Any, today: dt.date, birth: bool) -> Prefilled:
    """ISO text for a date; YYMMDD gets its century like the MRZ reader does, and is checked when in doubt."""
    if isinstance(raw, dt.date):
        return Prefilled(raw.isoformat(), False)
    text = str(raw).strip()
    try:
        return Prefilled(dt.date.fromisoformat(text).isoformat(), False)
    except ValueError:
        pass
    if not re.fullmatch(r"\d{6}", text):
        return Prefilled(None, True, "mrz_unknown")  # e.g. an unknown birth day printed as <<
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    try:
        if birth:
            day = dt.date(2000 + yy, mm, dd)
            if day > today:
                day = dt.date(1900 + yy, mm, dd)
            # A two-digit year cannot tell a child from someone a hundred years older.
            young = day > add_months(today, -16 * 12)
            return Prefilled(day.isoformat(), young, "mrz_century" if young else None)
        day = dt.date(2000 + yy, mm, dd)
        if day > add_months(today, 20 * 12):
            day = dt.date(1900 + yy, mm, dd)
        return Prefilled(day.isoformat(), False)
    except ValueError:
        return Prefilled(None, True, "mrz_unknown")
