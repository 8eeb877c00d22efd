"""Where every field of the three ICAO 9303 MRZ formats (TD1, TD2, TD3) sits and which characters it may hold."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .checkdigit import ALPHABET, DIGITS, LETTERS

ALPHA = LETTERS + "<"
DIGIT = DIGITS
DIGIT_OR_FILLER = DIGITS + "<"
ANY = ALPHABET


@dataclass(frozen=True)
class Field:
    """A run of characters on one line: ``line``, ``start``..``end`` (exclusive), allowed characters ``chars``."""

    name: str
    line: int
    start: int
    end: int
    chars: str


@dataclass(frozen=True)
class CheckGroup:
    """Data spans protected by one check digit; ``filler_allowed`` lets an all-'<' field carry '<' as its digit."""

    name: str
    spans: tuple[tuple[int, int, int], ...]
    digit: tuple[int, int]
    filler_allowed: bool = False


@dataclass(frozen=True)
class Layout:
    name: str
    lines: int
    length: int
    fields: tuple[Field, ...]
    checks: tuple[CheckGroup, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def text(self, lines: list[str], name: str) -> str:
        f = self.field(name)
        return lines[f.line][f.start:f.end]

    @cached_property
    def allowed(self) -> tuple[str, ...]:
        """Allowed characters per flat position (line * length + column)."""
        out = [ANY] * (self.lines * self.length)
        for f in self.fields:
            for col in range(f.start, f.end):
                out[f.line * self.length + col] = f.chars
        return tuple(out)

    @cached_property
    def coverage(self) -> tuple[int, ...]:
        """Per flat position, how many check digits cover it (as data or as the digit itself)."""
        count = [0] * (self.lines * self.length)
        for g in self.checks:
            cells = {line * self.length + c for line, a, b in g.spans for c in range(a, b)}
            cells.add(g.digit[0] * self.length + g.digit[1])
            for p in cells:
                count[p] += 1
        return tuple(count)

    @cached_property
    def protected(self) -> frozenset[int]:
        """Flat positions covered by at least one check digit (data or the digit itself)."""
        pos: set[int] = set()
        for g in self.checks:
            for line, a, b in g.spans:
                pos.update(line * self.length + c for c in range(a, b))
            pos.add(g.digit[0] * self.length + g.digit[1])
        return frozenset(pos)


def _f(name: str, line: int, start: int, end: int, chars: str) -> Field:
    return Field(name, line, start, end, chars)


TD1 = Layout(
    "TD1", 3, 30,
    (
        _f("document_code", 0, 0, 2, ALPHA), _f("issuing_state", 0, 2, 5, ALPHA),
        _f("document_number", 0, 5, 14, ANY), _f("document_number_check", 0, 14, 15, DIGIT_OR_FILLER),
        _f("optional_data_1", 0, 15, 30, ANY),
        _f("birth_date", 1, 0, 6, DIGIT), _f("birth_date_check", 1, 6, 7, DIGIT), _f("sex", 1, 7, 8, "MFX<"),
        _f("expiry_date", 1, 8, 14, DIGIT), _f("expiry_date_check", 1, 14, 15, DIGIT),
        _f("nationality", 1, 15, 18, ALPHA), _f("optional_data_2", 1, 18, 29, ANY),
        _f("composite_check", 1, 29, 30, DIGIT),
        _f("names", 2, 0, 30, ALPHA),
    ),
    (
        # The long-document-number case (check position holds '<') is resolved in parse.py.
        CheckGroup("document_number", ((0, 5, 14),), (0, 14)),
        CheckGroup("birth_date", ((1, 0, 6),), (1, 6)),
        CheckGroup("expiry_date", ((1, 8, 14),), (1, 14)),
        CheckGroup("composite", ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), (1, 29)),
    ),
)

TD2 = Layout(
    "TD2", 2, 36,
    (
        _f("document_code", 0, 0, 2, ALPHA), _f("issuing_state", 0, 2, 5, ALPHA), _f("names", 0, 5, 36, ALPHA),
        _f("document_number", 1, 0, 9, ANY), _f("document_number_check", 1, 9, 10, DIGIT_OR_FILLER),
        _f("nationality", 1, 10, 13, ALPHA),
        _f("birth_date", 1, 13, 19, DIGIT), _f("birth_date_check", 1, 19, 20, DIGIT), _f("sex", 1, 20, 21, "MFX<"),
        _f("expiry_date", 1, 21, 27, DIGIT), _f("expiry_date_check", 1, 27, 28, DIGIT),
        _f("optional_data_1", 1, 28, 35, ANY), _f("composite_check", 1, 35, 36, DIGIT),
    ),
    (
        CheckGroup("document_number", ((1, 0, 9),), (1, 9)),
        CheckGroup("birth_date", ((1, 13, 19),), (1, 19)),
        CheckGroup("expiry_date", ((1, 21, 27),), (1, 27)),
        CheckGroup("composite", ((1, 0, 10), (1, 13, 20), (1, 21, 35)), (1, 35)),
    ),
)

TD3 = Layout(
    "TD3", 2, 44,
    (
        _f("document_code", 0, 0, 2, ALPHA), _f("issuing_state", 0, 2, 5, ALPHA), _f("names", 0, 5, 44, ALPHA),
        _f("document_number", 1, 0, 9, ANY), _f("document_number_check", 1, 9, 10, DIGIT_OR_FILLER),
        _f("nationality", 1, 10, 13, ALPHA),
        _f("birth_date", 1, 13, 19, DIGIT), _f("birth_date_check", 1, 19, 20, DIGIT), _f("sex", 1, 20, 21, "MFX<"),
        _f("expiry_date", 1, 21, 27, DIGIT), _f("expiry_date_check", 1, 27, 28, DIGIT),
        _f("optional_data_1", 1, 28, 42, ANY), _f("optional_data_1_check", 1, 42, 43, DIGIT_OR_FILLER),
        _f("composite_check", 1, 43, 44, DIGIT),
    ),
    (
        CheckGroup("document_number", ((1, 0, 9),), (1, 9)),
        CheckGroup("birth_date", ((1, 13, 19),), (1, 19)),
        CheckGroup("expiry_date", ((1, 21, 27),), (1, 27)),
        CheckGroup("optional_data_1", ((1, 28, 42),), (1, 42), filler_allowed=True),
        CheckGroup("composite", ((1, 0, 10), (1, 13, 20), (1, 21, 43)), (1, 43)),
    ),
)

LAYOUTS: dict[str, Layout] = {"TD1": TD1, "TD2": TD2, "TD3": TD3}


# German passports and ID cards only use these in document numbers (no vowels, no B/D/Q/S look-alikes).
GERMAN_NUMBER_CHARS = "0123456789CFGHJKLMNPRTVWXYZ"


# ICAO 9303 parts 4-6: the first letter of the document code (passports P; ID cards and TD2 documents A, C or I).
# Nothing checks the code, so a misread of it must at least stay inside these letters (a 'T' for 'I' was read).
DOCUMENT_TYPES = {"TD1": "ACI", "TD2": "ACI", "TD3": "P"}


def allowed_chars(layout: Layout, lines: list[str] | None = None, issuing_state: str | None = None) -> list[str]:
    """Allowed characters per flat position: the document type letters ICAO allows for the layout, and the
    German number alphabet for issuing state D."""
    allowed = list(layout.allowed)
    allowed[0] = DOCUMENT_TYPES.get(layout.name, allowed[0])
    if issuing_state is None and lines is not None:
        issuing_state = layout.text(lines, "issuing_state")
    if issuing_state is not None and issuing_state.rstrip("<") == "D":
        f = layout.field("document_number")
        for col in range(f.start, f.end):
            allowed[f.line * layout.length + col] = GERMAN_NUMBER_CHARS
    return allowed


def layout_for(lines: list[str]) -> Layout | None:
    """The layout matching the line count and length of ``lines``, or None."""
    for lay in LAYOUTS.values():
        if len(lines) == lay.lines and all(len(s) == lay.length for s in lines):
            return lay
    return None
