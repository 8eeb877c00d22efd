"""Check-digit-guarded correction of MRZ text coming from any OCR.

Only *forced* corrections are made: a character that the MRZ layout forbids at its position (a letter in a
date, a digit in a name, an 'O' in a German document number) is mapped to its look-alike of the allowed kind.
Nothing that is allowed where it stands is ever changed, because a guessed swap in an alphanumeric field can
happen to satisfy the check digit and produce a plausible but wrong identity. The corrected text must then
pass every check digit, or nothing is returned. Score-based alternatives from our own OCR live in decode.py.
"""

from __future__ import annotations

import datetime as dt

from .checkdigit import ALPHABET
from .layouts import Layout, allowed_chars, layout_for
from .parse import build_result, failed_checks, normalise_lines, syntax_problems
from .result import MrzResult

# What OCR engines read in place of a digit, and the other way round (OCR-B look-alikes).
LETTER_TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "7", "Z": "2", "S": "5",
                   "B": "8", "G": "6", "A": "4"}
DIGIT_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "4": "A", "7": "T"}
def coerce(layout: Layout, lines: list[str]) -> tuple[list[str], int]:
    """Map characters forbidden at their position to the allowed look-alike; return lines and change count."""
    flat = list("".join(lines))
    changes = 0
    for _ in range(2):  # the issuing state may itself need a fix before the German alphabet applies
        allowed = allowed_chars(layout, ["".join(flat[i * layout.length:(i + 1) * layout.length])
                                         for i in range(layout.lines)])
        for i, ch in enumerate(flat):
            if ch in allowed[i]:
                continue
            repl = LETTER_TO_DIGIT.get(ch) or DIGIT_TO_LETTER.get(ch)
            if repl is not None and repl in allowed[i]:
                flat[i] = repl
                changes += 1
    text = "".join(flat)
    return [text[i * layout.length:(i + 1) * layout.length] for i in range(layout.lines)], changes


def correct_mrz(lines: list[str] | str, today: dt.date | None = None) -> MrzResult | None:
    """Parse MRZ text allowing forced look-alike corrections; None unless the result passes every check."""
    lines = normalise_lines(lines)
    layout = layout_for(lines)
    if layout is None or any(ch not in ALPHABET for ch in "".join(lines)):
        return None
    fixed, changes = coerce(layout, lines)
    if syntax_problems(layout, fixed) or failed_checks(layout, fixed):
        return None
    return build_result(layout, fixed, today, corrections=changes)
