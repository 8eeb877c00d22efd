"""Opening hours of a department, in the town's local time.

Kept apart from the server so the rules (weekly hours, public holidays,
closed days) can be tested without a clock or a network.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HoursError(ValueError):
    """An opening-hours entry in the configuration cannot be understood."""


@dataclass(frozen=True)
class Interval:
    start: dt.time
    end: dt.time  # dt.time.max stands for 24:00

    @classmethod
    def parse(cls, text: str) -> Interval:
        try:
            start_s, end_s = (part.strip() for part in text.split("-"))
            start = _parse_time(start_s)
            end = dt.time.max if end_s == "24:00" else _parse_time(end_s)
        except ValueError as exc:
            raise HoursError(f"Öffnungszeit {text!r} ist ungültig (erwartet z. B. '08:00-12:00')") from exc
        if end <= start:
            raise HoursError(f"Öffnungszeit {text!r}: das Ende liegt vor dem Beginn")
        return cls(start, end)

    def contains(self, t: dt.time) -> bool:
        return self.start <= t < self.end or (self.end == dt.time.max and t >= self.start)


def _parse_time(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


@cache
def public_holidays(state: str, year: int) -> frozenset[dt.date]:
    """The Land's public holidays of one year (cached: the library builds them on each call)."""
    return frozenset(holidays_lib.Germany(subdiv=state, years=year))


@dataclass(frozen=True)
class OpeningHours:
    """Weekly hours plus the Land's public holidays and extra closed days."""

    weekly: dict[str, tuple[Interval, ...]]
    timezone: ZoneInfo
    state: str | None = None  # German Land code for public holidays, e.g. "NW"
    closed_days: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def from_config(
        cls,
        hours: dict[str, list[str]],
        timezone: str = "Europe/Berlin",
        state: str | None = None,
        closed_days: list[dt.date] | None = None,
    ) -> OpeningHours:
        unknown = set(hours) - set(WEEKDAYS)
        if unknown:
            raise HoursError(f"Unbekannte Wochentage in den Öffnungszeiten: {sorted(unknown)}")
        weekly = {day: tuple(Interval.parse(t) for t in hours.get(day, [])) for day in WEEKDAYS}
        return cls(weekly, ZoneInfo(timezone), state, frozenset(closed_days or []))

    def is_closed_day(self, day: dt.date) -> bool:
        if day in self.closed_days:
            return True
        return self.state is not None and day in public_holidays(self.state, day.year)

    def is_open(self, when: dt.datetime) -> bool:
        local = when.astimezone(self.timezone)
        if self.is_closed_day(local.date()):
            return False
        intervals = self.weekly[WEEKDAYS[local.weekday()]]
        return any(iv.contains(local.time()) for iv in intervals)

    def next_opening(self, when: dt.datetime, horizon_days: int = 30) -> dt.datetime | None:
        """The next moment (aware, local) at which the department opens, or None."""
        local = when.astimezone(self.timezone)
        for offset in range(horizon_days + 1):
            day = local.date() + dt.timedelta(days=offset)
            if self.is_closed_day(day):
                continue
            for iv in self.weekly[WEEKDAYS[day.weekday()]]:
                start = dt.datetime.combine(day, iv.start, tzinfo=self.timezone)
                if start > local:
                    return start
        return None
