"""Slot arithmetic: opening hours, breaks, capacity, holidays and the two DST days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from hypothesis import given, settings
from hypothesis import strategies as st

from videoschalter.config import load_config
from videoschalter.domain.hours import WEEKDAYS, OpeningHours
from videoschalter.domain.slots import (
    candidate_slots,
    free_slots,
    places_left,
    service_slots,
    slot_containing,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
MIN = dt.timedelta(minutes=1)
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=UTC)
SPRING_FORWARD = dt.date(2026, 3, 29)  # last Sunday of March: 02:00 CET → 03:00 CEST
FALL_BACK = dt.date(2026, 10, 25)  # last Sunday of October: 03:00 CEST → 02:00 CET


def every_day(intervals: list[str], state: str | None = None, closed: list[dt.date] | None = None) -> OpeningHours:
    return OpeningHours.from_config({d: intervals for d in WEEKDAYS}, "Europe/Berlin", state, closed)


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=BERLIN)


def test_lunch_break_and_closing_are_never_straddled() -> None:
    hours = every_day(["08:00-12:30", "14:00-16:00"])
    day = dt.date(2026, 11, 23)
    slots = free_slots(hours, day, dt.timedelta(minutes=30), 1, [], LONG_AGO, grid=dt.timedelta(minutes=15))
    starts = [s.start.strftime("%H:%M") for s in slots]
    assert starts[0] == "08:00" and "12:00" in starts and "12:15" not in starts
    assert starts[-1] == "15:30" and "15:45" not in starts
    assert all(s.start.tzinfo is not None and s.end - s.start == dt.timedelta(minutes=30) for s in slots)


def test_capacity_counts_overlapping_bookings_of_the_department() -> None:
    hours = every_day(["08:00-10:00"])
    day = dt.date(2026, 11, 23)
    quarter = dt.timedelta(minutes=15)
    two_at_eight = [(local(day, 8), local(day, 8, 15))] * 2
    slots = {s.start: s.free for s in free_slots(hours, day, quarter, 3, two_at_eight, LONG_AGO)}
    assert slots[local(day, 8)] == 1 and slots[local(day, 8, 15)] == 3
    full = free_slots(hours, day, quarter, 2, two_at_eight, LONG_AGO)
    assert local(day, 8) not in {s.start for s in full}
    # a 45-minute booking (Bauberatung) blocks every quarter it touches
    long = [(local(day, 9), local(day, 9, 45))]
    blocked = {s.start for s in free_slots(hours, day, quarter, 1, long, LONG_AGO)}
    assert blocked.isdisjoint({local(day, 9), local(day, 9, 15), local(day, 9, 30)})
    assert local(day, 9, 45) in blocked


def test_back_to_back_bookings_do_not_add_up() -> None:
    day = dt.date(2026, 11, 23)
    booked = [(local(day, 8), local(day, 8, 15)), (local(day, 8, 15), local(day, 8, 30))]
    assert places_left(local(day, 8), local(day, 8, 30), 1, booked) == 0
    assert places_left(local(day, 8), local(day, 8, 30), 2, booked) == 1


def test_now_plus_lead_time_hides_earlier_slots() -> None:
    hours = every_day(["08:00-12:00"])
    day = dt.date(2026, 11, 23)
    now = local(day, 9, 10)
    slots = free_slots(hours, day, dt.timedelta(minutes=15), 1, [], now, lead=dt.timedelta(minutes=60))
    assert slots[0].start == local(day, 10, 15)


def test_spring_forward_day_has_only_the_real_hours() -> None:
    hours = every_day(["01:00-04:00"])
    slots = candidate_slots(hours, SPRING_FORWARD, dt.timedelta(minutes=15), dt.timedelta(minutes=15))
    shown = [s.astimezone(BERLIN).strftime("%H:%M") for s, _ in slots]
    assert shown == ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45"]


def test_fall_back_day_offers_the_repeated_hour_twice() -> None:
    hours = every_day(["01:00-04:00"])
    slots = candidate_slots(hours, FALL_BACK, dt.timedelta(minutes=30), dt.timedelta(minutes=30))
    assert len(slots) == 8  # four real hours
    offsets = [s.astimezone(BERLIN).utcoffset() for s, _ in slots]
    assert offsets.count(dt.timedelta(hours=2)) == 4 and offsets.count(dt.timedelta(hours=1)) == 4
    assert all(e - s == dt.timedelta(minutes=30) for s, e in slots)


def test_public_holidays_of_the_land_and_closed_days() -> None:
    corpus_christi = dt.date(2027, 5, 27)  # Fronleichnam: holiday in NW, not in Berlin
    quarter = dt.timedelta(minutes=15)
    assert free_slots(every_day(["08:00-09:00"], "NW"), corpus_christi, quarter, 1, [], LONG_AGO) == []
    assert len(free_slots(every_day(["08:00-09:00"], "BE"), corpus_christi, quarter, 1, [], LONG_AGO)) == 4
    closed = every_day(["08:00-09:00"], "NW", [dt.date(2027, 5, 28)])
    assert free_slots(closed, dt.date(2027, 5, 28), quarter, 1, [], LONG_AGO) == []


def test_slot_containing_tells_outside_from_off_grid() -> None:
    hours = every_day(["08:00-12:00"])
    day = dt.date(2026, 11, 23)
    quarter = dt.timedelta(minutes=15)
    assert slot_containing(hours, local(day, 8, 15), quarter, quarter) == (True, True)
    assert slot_containing(hours, local(day, 8, 5), quarter, quarter) == (True, False)
    assert slot_containing(hours, local(day, 11, 50), quarter, quarter) == (False, False)
    assert slot_containing(hours, local(day, 13, 0), quarter, quarter) == (False, False)


def test_service_slots_respect_horizon_video_and_department_grid() -> None:
    config = load_config()
    now = local(dt.date(2026, 11, 23), 7, 0)  # Monday morning
    bauberatung = config.service("bauberatung")
    tuesday = service_slots(config, bauberatung, dt.date(2026, 11, 24), [], now)
    assert [s.start.strftime("%H:%M") for s in tuesday] == ["09:00", "09:45", "10:30", "11:15"]
    assert service_slots(config, config.service("reisepass"), dt.date(2026, 11, 24), [], now) == []
    beyond = dt.date(2026, 11, 23) + dt.timedelta(days=config.booking.horizon_days + 2)
    assert service_slots(config, config.service("meldebescheinigung"), beyond, [], now) == []
    thursday = service_slots(config, config.service("meldebescheinigung"), dt.date(2026, 11, 26), [], now)
    assert thursday[-1].start == local(dt.date(2026, 11, 26), 18, 45) and thursday[-1].free == 2


# --- properties ------------------------------------------------------------------------------

def last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month, 31)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


# the clock-change Sundays of 2025–2030 and the days either side
dst_days = st.sampled_from(
    [last_sunday(y, m) + dt.timedelta(days=k) for y in range(2025, 2031) for m in (3, 10) for k in (-1, 0, 1)]
)


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    """One to three disjoint intervals on a 5-minute grid, possibly crossing 02:00–03:00 or ending at 24:00."""
    cuts = sorted(draw(st.sets(st.integers(0, 288), min_size=2, max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    text = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=True):
        end = "24:00" if b == 288 else f"{b * 5 // 60:02d}:{b * 5 % 60:02d}"
        text.append(f"{a * 5 // 60:02d}:{a * 5 % 60:02d}-{end}")
    return text


def repeated_wall_time(instant: dt.datetime) -> bool:
    wall = instant.astimezone(BERLIN)
    return wall.replace(fold=1 - wall.fold).utcoffset() != wall.utcoffset()


def open_throughout(hours: OpeningHours, start: dt.datetime, end: dt.datetime) -> bool:
    t = start
    while t < end:
        if not hours.is_open(t):
            return False
        t += MIN  # UTC arithmetic: real minutes
    return True


@settings(max_examples=150, deadline=None, database=None)
@given(
    day=dst_days,
    intervals=day_hours(),
    grid_min=st.sampled_from([5, 10, 15, 30]),
    factor=st.integers(1, 4),
)
def test_slots_lie_within_opening_hours_across_dst(
    day: dt.date, intervals: list[str], grid_min: int, factor: int
) -> None:
    hours = every_day(intervals)
    grid, duration = dt.timedelta(minutes=grid_min), dt.timedelta(minutes=grid_min * factor)
    slots = free_slots(hours, day, duration, 1, [], LONG_AGO, grid=grid)
    for slot in slots:
        assert slot.start.astimezone(BERLIN).date() == day
        assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == duration  # real, not wall-clock, minutes
        assert open_throughout(hours, slot.start.astimezone(UTC), slot.end.astimezone(UTC))
    starts = [s.start.astimezone(UTC) for s in slots]
    assert starts == sorted(set(starts))


@settings(max_examples=100, deadline=None, database=None)
@given(day=dst_days, intervals=day_hours(), grid_min=st.sampled_from([10, 15, 30]))
def test_no_bookable_stretch_is_left_out_across_dst(day: dt.date, intervals: list[str], grid_min: int) -> None:
    """With duration = grid the slots tile each opening stretch: after a slot's end either the next
    slot starts or the department closes within one slot length (checked minute by minute via is_open)."""
    hours = every_day(intervals)
    step = dt.timedelta(minutes=grid_min)
    slots = [s.start.astimezone(UTC) for s in free_slots(hours, day, step, 1, [], LONG_AGO, grid=step)]
    for start in slots:
        nxt = start + step
        if nxt in slots:
            continue
        # a slot belongs to one day: one that would end after midnight is rightly not offered
        following_day = (nxt + step - MIN).astimezone(BERLIN).date() != day
        if following_day or any(repeated_wall_time(nxt + i * MIN) for i in range(grid_min)):
            continue  # a twice-occurring hour is offered only where it is open both times (see _instant)
        assert not open_throughout(hours, nxt, nxt + step)


@settings(max_examples=100, deadline=None, database=None)
@given(
    bookings=st.lists(st.tuples(st.integers(0, 47), st.integers(1, 6)), max_size=12),
    capacity=st.integers(1, 3),
)
def test_free_count_matches_a_minute_by_minute_count(bookings: list[tuple[int, int]], capacity: int) -> None:
    day = FALL_BACK
    hours = every_day(["00:00-24:00"])
    base = local(day, 0).astimezone(UTC)
    booked = [(base + k * 5 * MIN, base + (k + n) * 5 * MIN) for k, n in bookings]
    duration = dt.timedelta(minutes=15)
    returned = {s.start.astimezone(UTC): s.free for s in free_slots(hours, day, duration, capacity, booked, LONG_AGO)}
    for start, _ in candidate_slots(hours, day, duration, duration)[:16]:
        busiest = max(
            sum(1 for b0, b1 in booked if b0 <= start + i * MIN < b1) for i in range(15)
        )
        expected = capacity - busiest
        assert returned.get(start, 0) == max(expected, 0)


@settings(max_examples=60, deadline=None, database=None)
@given(day=st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31)), state=st.sampled_from(["NW", "BY", "BE", "SN"]))
def test_holidays_of_the_land_have_no_slots(day: dt.date, state: str) -> None:
    hours = every_day(["09:00-10:00"], state)
    slots = free_slots(hours, day, dt.timedelta(minutes=30), 1, [], LONG_AGO)
    is_holiday = day in holidays_lib.Germany(subdiv=state, years=day.year)
    assert (slots == []) == is_holiday
