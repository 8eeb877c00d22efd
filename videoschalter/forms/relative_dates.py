"""Date limits written relative to the day of validation ("today", "today-130y", "today+7d").

Definitions hold the expression, not a date, so "not in the future" stays true every day without editing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_RELATIVE = re.compile(r"^today(?:([+-])(\d{1,4})([dwmy]))?$")


def is_date_expression(text: str) -> bool:
    if _RELATIVE.match(text):
        return True
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def resolve(expression: str, today: dt.date) -> dt.date:
    """The date an expression stands for on ``today``; an ISO date stands for itself."""
    m = _RELATIVE.match(expression)
    if not m:
        return dt.date.fromisoformat(expression)
    sign, amount, unit = m.groups()
    if not sign:
        return today
    n = int(amount) * (1 if sign == "+" else -1)
    if unit == "d":
        return today + dt.timedelta(days=n)
    if unit == "w":
        return today + dt.timedelta(weeks=n)
    months = n * 12 if unit == "y" else n
    return add_months(today, months)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; the 31st or 29 February become the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
