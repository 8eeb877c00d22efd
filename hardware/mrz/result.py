"""The identity read from an MRZ, and how its two-digit years are turned into real dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

EXPIRY_HORIZON_YEARS = 20


def _date(year: int, yymmdd: str) -> dt.date:
    return dt.date(year, int(yymmdd[2:4]), int(yymmdd[4:6]))


def resolve_birth_date(yymmdd: str, today: dt.date) -> dt.date:
    """A birth date lies in the past: take the latest century that does not put it after ``today``."""
    yy = int(yymmdd[0:2])
    century = today.year // 100 * 100
    date = _date(century + yy, yymmdd)
    return date if date <= today else _date(century - 100 + yy, yymmdd)


def resolve_expiry_date(yymmdd: str, today: dt.date) -> dt.date:
    """An expiry date lies at most ~20 years ahead (longest validity of a passport) or in the past century."""
    yy = int(yymmdd[0:2])
    century = today.year // 100 * 100
    date = _date(century + yy, yymmdd)
    if date.year > today.year + EXPIRY_HORIZON_YEARS:
        return _date(century - 100 + yy, yymmdd)
    if date.year < today.year - (100 - EXPIRY_HORIZON_YEARS):
        return _date(century + 100 + yy, yymmdd)
    return date


@dataclass(frozen=True)
class MrzResult:
    """A fully validated MRZ: every check digit held. ``mrz`` are the lines as printed (after correction).

    ``sex`` is "M", "F" or "X" (the MRZ's '<', unspecified, is reported as "X"). Optional data fields are
    returned without fillers ("" when empty); for TD3 ``optional_data_1`` is the personal number.
    """

    type: str
    mrz: list[str]
    document_code: str
    document_number: str
    issuing_state: str
    nationality: str
    surname: str
    given_names: str
    birth_date: dt.date
    expiry_date: dt.date
    sex: str
    optional_data_1: str = ""
    optional_data_2: str = ""
    corrections: int = field(default=0, compare=False)

    def expired(self, today: dt.date | None = None) -> bool:
        """Whether the document is no longer valid on ``today`` (it is still valid on its expiry day)."""
        return self.expiry_date < (today or dt.date.today())

    def identity(self) -> tuple[Any, ...]:
        """The fields that identify person and document, for comparing two reads."""
        return (self.type, self.document_code, self.document_number, self.issuing_state, self.nationality,
                self.surname, self.given_names, self.birth_date, self.expiry_date, self.sex,
                self.optional_data_1, self.optional_data_2)

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with ISO dates."""
        return {
            "type": self.type,
            "mrz": list(self.mrz),
            "document_code": self.document_code,
            "document_number": self.document_number,
            "issuing_state": self.issuing_state,
            "nationality": self.nationality,
            "surname": self.surname,
            "given_names": self.given_names,
            "birth_date": self.birth_date.isoformat(),
            "expiry_date": self.expiry_date.isoformat(),
            "sex": self.sex,
            "optional_data_1": self.optional_data_1,
            "optional_data_2": self.optional_data_2,
        }
