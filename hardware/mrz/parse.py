"""Strict parsing of MRZ text: a result comes back only if the syntax and every check digit hold."""

from __future__ import annotations

import datetime as dt

from .checkdigit import ALPHABET, is_valid
from .countries import is_known_state
from .layouts import TD1, TD2, Layout, allowed_chars, layout_for
from .result import MrzResult, resolve_birth_date, resolve_expiry_date


def document_number(layout: Layout, lines: list[str]) -> tuple[str, bool]:
    """The document number and whether its check digit holds.

    TD1/TD2 numbers longer than 9 characters put '<' at the check position and continue in the optional
    data field, whose last character before the first filler is then the check digit (ICAO 9303-5 4.2.4).
    """
    num = layout.text(lines, "document_number")
    chk = layout.text(lines, "document_number_check")
    if chk == "<" and layout in (TD1, TD2) and not num.endswith("<"):
        ext = layout.text(lines, "optional_data_1").split("<")[0]
        if len(ext) < 2:
            return num, False
        full = num + ext[:-1]
        return full, is_valid(full, ext[-1])
    return num.rstrip("<"), is_valid(num, chk)


def failed_checks(layout: Layout, lines: list[str]) -> list[str]:
    """Names of the check digits that do not hold."""
    failed = []
    for group in layout.checks:
        if group.name == "document_number":
            ok = document_number(layout, lines)[1]
        else:
            data = "".join(lines[ln][a:b] for ln, a, b in group.spans)
            ok = is_valid(data, lines[group.digit[0]][group.digit[1]], group.filler_allowed)
        if not ok:
            failed.append(group.name)
    return failed


def _date_ok(yymmdd: str) -> bool:
    try:
        dt.date(2000, int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return False
    return True


def _names_ok(names: str) -> bool:
    """SURNAME<<GIVEN<NAMES<<<...: starts with a letter, no run of three fillers before the padding."""
    body = names.rstrip("<")
    return bool(body) and body[0] != "<" and "<<<" not in body and body.count("<<") <= 1


def syntax_problems(layout: Layout, lines: list[str]) -> list[str]:
    """Everything but check digits that makes ``lines`` impossible as a printed MRZ."""
    problems = []
    allowed = allowed_chars(layout, lines)
    for i, ch in enumerate("".join(lines)):
        if ch not in allowed[i]:
            problems.append(f"char@{i}")
    code = layout.text(lines, "document_code")
    if code[0] == "<":
        problems.append("document_code")
    for name in ("issuing_state", "nationality"):
        if not is_known_state(layout.text(lines, name)):
            problems.append(name)
    for name in ("birth_date", "expiry_date"):
        if not _date_ok(layout.text(lines, name)):
            problems.append(name)
    if not _names_ok(layout.text(lines, "names")):
        problems.append("names")
    return problems


def _clean(s: str) -> str:
    return s.replace("<", " ").strip()


def build_result(layout: Layout, lines: list[str], today: dt.date | None = None, corrections: int = 0) -> MrzResult:
    """Turn already validated lines into an :class:`MrzResult`."""
    today = today or dt.date.today()
    text = layout.text
    surname, _, given = text(lines, "names").partition("<<")
    sex = text(lines, "sex")
    number, _ = document_number(layout, lines)
    opt1 = text(lines, "optional_data_1")
    if layout.text(lines, "document_number_check") == "<" and layout in (TD1, TD2):
        opt1 = opt1[opt1.find("<"):] if "<" in opt1 else ""
    return MrzResult(
        type=layout.name,
        mrz=list(lines),
        document_code=text(lines, "document_code").rstrip("<"),
        document_number=number,
        issuing_state=text(lines, "issuing_state").rstrip("<"),
        nationality=text(lines, "nationality").rstrip("<"),
        surname=_clean(surname),
        given_names=_clean(given),
        birth_date=resolve_birth_date(text(lines, "birth_date"), today),
        expiry_date=resolve_expiry_date(text(lines, "expiry_date"), today),
        sex="X" if sex == "<" else sex,
        optional_data_1=opt1.strip("<"),
        optional_data_2=text(lines, "optional_data_2").strip("<") if layout is TD1 else "",
        corrections=corrections,
    )


def normalise_lines(lines: list[str] | str) -> list[str]:
    """Accept a multi-line string or a list; strip whitespace, upper-case, drop empty lines."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    return [ln.strip().replace(" ", "").upper() for ln in lines if ln.strip()]


def parse_mrz(lines: list[str] | str, today: dt.date | None = None) -> MrzResult | None:
    """Parse MRZ text strictly (no correction). None unless syntax and every check digit hold."""
    lines = normalise_lines(lines)
    layout = layout_for(lines)
    if layout is None or any(ch not in ALPHABET for ch in "".join(lines)):
        return None
    if syntax_problems(layout, lines) or failed_checks(layout, lines):
        return None
    return build_result(layout, lines, today)
