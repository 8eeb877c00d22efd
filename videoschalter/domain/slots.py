"""Free appointment slots of a service on a day: pure arithmetic, no storage.

All arithmetic is done on UTC instants and only presented in the town's time
zone: adding 15 minutes to an aware datetime in Python adds wall-clock time,
which is wrong on the two days a year when the clocks change. Slots lie on a
grid anchored at each opening interval's start, never straddle a closing time
or a lunch break, and are never earlier than ``now`` plus the lead time.
Existing bookings come in as plain ``(start, end)`` pairs of aware datetimes
for the whole department (all services share its clerks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from videoschalter.domain.hours import WEEKDAYS, OpeningHours

if TYPE_CHECKING:
    from videoschalter.config import Config, Service

UTC = dt.UTC
Booked = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Slot:
    start: dt.datetime  # aware, in the town's time zone
    end: dt.datetime
    free: int  # places left (capacity minus overlapping bookings)


def utc(when: dt.datetime) -> dt.datetime:
    """The same instant in UTC; refuses naive datetimes, which have no instant."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"Zeitpunkt ohne Zeitzone: {when.isoformat()}")
    return when.astimezone(UTC)


def is_closed_day(hours: OpeningHours, day: dt.date) -> bool:
    """A public holiday of the Land or one of the extra closed days (the same rule as ``is_open``)."""
    return hours.is_closed_day(day)


def _instant(day: dt.date, time: dt.time, hours: OpeningHours, *, opening: bool) -> dt.datetime:
    """Wall-clock time on a local day as a UTC instant, never widening the opening hours.

    24:00 is the next midnight. A time in the spring-forward gap means the end of
    the gap (the first moment whose wall time is later). A time that occurs twice
    in autumn opens at its second and closes at its first occurrence, so every
    slot lies in time that ``OpeningHours.is_open`` calls open.
    """
    if time == dt.time.max:
        day, time = day + dt.timedelta(days=1), dt.time(0)
    wall = dt.datetime.combine(day, time)
    earlier = wall.replace(tzinfo=hours.timezone, fold=0).astimezone(UTC)
    later = wall.replace(tzinfo=hours.timezone, fold=1).astimezone(UTC)
    if earlier.astimezone(hours.timezone).replace(tzinfo=None) != wall:  # in the gap
        moment = min(earlier, later)
        while moment.astimezone(hours.timezone).replace(tzinfo=None) < wall:
            moment += dt.timedelta(minutes=1)  # gaps are whole minutes; at most an hour of steps
        return moment
    return later if opening else earlier


def opening_windows(hours: OpeningHours, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The day's opening intervals as UTC instants; empty on closed days."""
    if is_closed_day(hours, day):
        return []
    windows = []
    for interval in hours.weekly[WEEKDAYS[day.weekday()]]:
        start = _instant(day, interval.start, hours, opening=True)
        end = _instant(day, interval.end, hours, opening=False)
        if end > start:
            windows.append((start, end))
    return windows


def candidate_slots(
    hours: OpeningHours, day: dt.date, duration: dt.timedelta, grid: dt.timedelta
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every slot of the day as UTC pairs, ignoring bookings and the clock."""
    if duration <= dt.timedelta(0) or grid <= dt.timedelta(0):
        raise ValueError("Dauer und Raster müssen positiv sein")
    slots = []
    for opens, closes in opening_windows(hours, day):
        start = opens
        while start + duration <= closes:
            slots.append((start, start + duration))
            start += grid
    return slots


def places_left(start: dt.datetime, end: dt.datetime, capacity: int, booked: Iterable[Booked]) -> int:
    """Capacity minus the most bookings that overlap at any moment of [start, end)."""
    start, end = utc(start), utc(end)
    events = []
    for b_start, b_end in booked:
        lo, hi = max(utc(b_start), start), min(utc(b_end), end)
        if lo < hi:
            events.append((lo, 1))
            events.append((hi, -1))
    events.sort(key=lambda e: (e[0], e[1]))  # at the same instant a booking ends before the next begins
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return max(capacity - peak, 0)


def free_slots(
    hours: OpeningHours,
    day: dt.date,
    duration: dt.timedelta,
    capacity: int,
    booked: Sequence[Booked],
    now: dt.datetime,
    lead: dt.timedelta = dt.timedelta(0),
    grid: dt.timedelta | None = None,
) -> list[Slot]:
    """Slots on a local day that still have a place and start no earlier than now + lead."""
    earliest = utc(now) + lead
    candidates = candidate_slots(hours, day, duration, grid or duration)
    if not candidates or capacity <= 0:
        return []
    day_start, day_end = candidates[0][0], candidates[-1][1]
    relevant = [(utc(s), utc(e)) for s, e in booked if utc(s) < day_end and utc(e) > day_start]
    slots = []
    for start, end in candidates:
        if start < earliest:
            continue
        free = places_left(start, end, capacity, relevant)
        if free > 0:
            slots.append(Slot(start.astimezone(hours.timezone), end.astimezone(hours.timezone), free))
    return slots


def slot_containing(
    hours: OpeningHours, start: dt.datetime, duration: dt.timedelta, grid: dt.timedelta
) -> tuple[bool, bool]:
    """(inside opening hours, on the slot grid) for an appointment starting at ``start``."""
    start = utc(start)
    day = start.astimezone(hours.timezone).date()
    end = start + duration
    inside = any(opens <= start and end <= closes for opens, closes in opening_windows(hours, day))
    on_grid = any(s == start for s, _ in candidate_slots(hours, day, duration, grid))
    return inside, on_grid


# --- the same with the town's catalogue ------------------------------------------------------


def service_slots(
    config: Config, service: Service, day: dt.date, booked: Sequence[Booked], now: dt.datetime
) -> list[Slot]:
    """Free slots of a service on a local day, within the booking horizon and lead time."""
    dept = config.department(service.department)
    if dept is None or not service.video:
        return []
    today = utc(now).astimezone(dept.hours.timezone).date()
    if not today <= day <= today + dt.timedelta(days=config.booking.horizon_days):
        return []
    return free_slots(
        dept.hours,
        day,
        service.duration,
        dept.capacity_on(day),
        booked,
        now,
        lead=dt.timedelta(minutes=config.booking.min_lead_minutes),
        grid=dt.timedelta(minutes=dept.slot_minutes),
    )


def bookable_days(
    config: Config, service: Service, booked: Sequence[Booked], now: dt.datetime
) -> list[tuple[dt.date, int]]:
    """(day, number of free slots) for every day within the horizon that has any."""
    dept = config.department(service.department)
    if dept is None:
        return []
    today = utc(now).astimezone(dept.hours.timezone).date()
    days = []
    for offset in range(config.booking.horizon_days + 1):
        day = today + dt.timedelta(days=offset)
        count = len(service_slots(config, service, day, booked, now))
        if count:
            days.append((day, count))
    return days
