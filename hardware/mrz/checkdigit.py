"""ICAO 9303 check digits: the 7-3-1 weighted sum modulo 10 over the MRZ character values."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WEIGHTS = (7, 3, 1)


def char_value(ch: str) -> int:
    """Value of one MRZ character: digits 0-9, A=10 ... Z=35, filler '<' = 0."""
    if ch == "<":
        return 0
    if "0" <= ch <= "9":
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    raise ValueError(f"not an MRZ character: {ch!r}")


def check_digit(data: str) -> str:
    """The check digit ('0'..'9') ICAO 9303 part 3 section 4.9 prescribes for ``data``."""
    total = sum(char_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(data))
    return str(total % 10)


def is_valid(data: str, digit: str, filler_allowed: bool = False) -> bool:
    """Whether ``digit`` is the check digit of ``data``.

    ``filler_allowed``: an optional field that is all fillers may carry '<' as its check digit (TD3 personal number).
    """
    if filler_allowed and digit == "<" and set(data) <= {"<"}:
        return True
    return digit in DIGITS and check_digit(data) == digit
