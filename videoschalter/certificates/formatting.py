"""German formatting of dates and amounts as printed on official documents."""

from __future__ import annotations

import datetime as dt


def german_date(day: dt.date) -> str:
    """23.11.2026 – the form every German form and office uses."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def german_datetime(moment: dt.datetime) -> str:
    """23.11.2026, 14:05 Uhr in the moment's own time zone."""
    return f"{german_date(moment)}, {moment.hour:02d}:{moment.minute:02d} Uhr"


def euro(cents: int) -> str:
    """1.234,50 EUR; 'EUR' rather than '€' as on fee notices (Gebührenbescheide)."""
    if cents < 0:
        raise ValueError("Betrag darf nicht negativ sein")
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d} EUR"


def require_aware(moment: dt.datetime, what: str) -> dt.datetime:
    """Reject naive datetimes: a certificate must state its time unambiguously."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} braucht eine Zeitzone (z. B. Europe/Berlin)")
    return moment


def pdf_date(moment: dt.datetime) -> str:
    """PDF date string (ISO 32000 7.9.4) with the moment's UTC offset."""
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "+" if offset >= dt.timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"
