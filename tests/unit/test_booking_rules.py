"""Booking rules: every refusal has a stable code and a clear German (and English) text."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import videoschalter.domain.booking as booking_module
from videoschalter.config import Config, load_config
from videoschalter.domain.booking import (
    BookingRequest,
    check_arrival,
    check_change,
    check_daily_limits,
    check_email,
    check_name,
    is_no_show,
    reminder_due,
    validate_booking,
    validate_reschedule,
)
from videoschalter.i18n import catalog

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=BERLIN)  # Monday, before opening


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config()


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=BERLIN)


def codes(
    config: Config, start: dt.datetime, service: str = "meldebescheinigung", now: dt.datetime = NOW, **kw: object
) -> list[str]:
    name, email = str(kw.pop("name", "Anna Müller")), str(kw.pop("email", "anna@beispiel.de"))
    request = BookingRequest(service, start, name, email)
    booked = kw.pop("booked", [])
    return [p.code for p in validate_booking(config, request, now, booked, **kw).problems]  # type: ignore[arg-type]


def test_a_valid_booking_passes_and_is_cleaned(config: Config) -> None:
    request = BookingRequest("meldebescheinigung", at(MONDAY, 10), "  Anna   Müller ", " Anna@Beispiel.DE ")
    check = validate_booking(config, request, NOW, booked=[])
    assert check.ok, check.problems
    assert check.name == "Anna Müller" and check.email == "Anna@beispiel.de"
    assert check.service is not None and check.service.id == "meldebescheinigung"


@pytest.mark.parametrize("address", ["anna", "anna@", "@beispiel.de", "an na@beispiel.de", "anna@beispiel",
                                     "anna@@beispiel.de", "a" * 65 + "@beispiel.de",
                                     "anna@" + ".".join(["b" * 60] * 5) + ".de", "anna@beispiel.de\nBcc: x@y.de"])
def test_bad_email_addresses(address: str) -> None:
    _, problem = check_email(address)
    assert problem is not None and problem.code == "email_invalid" and problem.field == "email"
    assert "E-Mail-Adresse ist ungültig" in problem.message


def test_international_domain_is_sent_as_punycode() -> None:
    address, problem = check_email("anna@müller.de")
    assert problem is None and address == "anna@xn--mller-kva.de"


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "name_missing"), ("  A ", "name_missing"), ("x" * 101, "name_too_long"), ("Anna\x00", "name_invalid"),
     ("12345", "name_invalid")],
)
def test_bad_names(name: str, code: str) -> None:
    _, problem = check_name(name)
    assert problem is not None and problem.code == code


def test_unknown_service_and_service_not_by_video(config: Config) -> None:
    assert codes(config, at(MONDAY, 10), "gibtsnicht") == ["service_unknown"]
    request = BookingRequest("reisepass", at(MONDAY, 10), "Anna Müller", "anna@beispiel.de")
    [problem] = validate_booking(config, request, NOW, []).problems
    assert problem.code == "service_not_by_video"
    assert "per Video nicht möglich" in problem.message and "Bürgerkiosk" in problem.message
    english = problem.text("en")
    assert "cannot be done by video" in english and "fingerprints" in english and "Passport application" in english


def test_slot_rules(config: Config) -> None:
    assert codes(config, at(MONDAY, 6, 45)) == ["slot_in_past"]
    assert codes(config, at(MONDAY, 7, 45)) == ["slot_too_soon"]
    assert codes(config, at(MONDAY, 13, 0)) == ["slot_outside_hours"]  # lunch break
    assert codes(config, at(MONDAY, 10, 5)) == ["slot_not_on_grid"]
    before_christmas = at(dt.date(2026, 12, 21), 7)
    assert codes(config, at(dt.date(2026, 12, 25), 10), now=before_christmas) == ["slot_closed_day"]  # holiday
    assert codes(config, at(dt.date(2026, 12, 24), 10), now=before_christmas) == ["slot_closed_day"]  # office
    assert codes(config, at(dt.date(2026, 12, 23), 10), now=before_christmas) == []
    far = MONDAY + dt.timedelta(days=config.booking.horizon_days + 1)
    assert codes(config, at(far, 10)) == ["slot_beyond_horizon"]
    # a 45-minute Bauberatung at 11:30 on Tuesday would run past noon
    assert codes(config, at(dt.date(2026, 11, 24), 11, 30), "bauberatung") == ["slot_outside_hours"]


def test_full_slot_and_the_same_slot_in_another_department(config: Config) -> None:
    start = at(MONDAY, 10)
    three = [(start, start + dt.timedelta(minutes=15))] * 3  # Bürgeramt has three clerks on Monday
    assert codes(config, start, booked=three) == ["slot_full"]
    assert codes(config, start, booked=three[:2]) == []


def test_daily_limits(config: Config) -> None:
    limits = config.booking
    assert check_daily_limits(limits, limits.max_per_email_per_day - 1, limits.max_per_client_per_day - 1) == []
    problems = check_daily_limits(limits, limits.max_per_email_per_day, limits.max_per_client_per_day)
    assert [p.code for p in problems] == ["limit_email", "limit_client"]
    assert codes(config, at(MONDAY, 10), email_count=limits.max_per_email_per_day) == ["limit_email"]


def test_all_problems_are_reported_at_once(config: Config) -> None:
    assert codes(config, at(MONDAY, 10, 5), name="", email="x") == ["name_missing", "email_invalid", "slot_not_on_grid"]


def test_cancel_and_reschedule_only_before_the_start(config: Config) -> None:
    start = at(MONDAY, 10)
    assert check_change(start, start - dt.timedelta(seconds=1)) is None
    assert check_change(start, start).code == "change_after_start"
    assert check_change(start, NOW, status="cancelled").code == "change_not_active"
    service = config.service("meldebescheinigung")
    own = (start, start + service.duration)
    others = [own, own]
    assert validate_reschedule(config, service, start, at(MONDAY, 10, 15), NOW, others) == []
    moved = validate_reschedule(config, service, start, start, NOW, [*others, own])
    assert [p.code for p in moved] == ["slot_full"]
    assert [p.code for p in validate_reschedule(config, service, start, at(MONDAY, 11), start, [])] == [
        "change_after_start"
    ]


def test_no_show_and_waiting_room_window(config: Config) -> None:
    rules = config.booking
    start = at(MONDAY, 10)
    grace = dt.timedelta(minutes=rules.no_show_after_minutes)
    assert not is_no_show(start, start + grace - dt.timedelta(seconds=1), arrived=False, rules=rules)
    assert is_no_show(start, start + grace, arrived=False, rules=rules)
    assert not is_no_show(start, start + 2 * grace, arrived=True, rules=rules)
    early = dt.timedelta(minutes=rules.early_arrival_minutes)
    assert check_arrival(start, start - early - dt.timedelta(minutes=1), rules).code == "arrival_too_early"
    assert check_arrival(start, start - early, rules) is None
    assert check_arrival(start, start + grace, rules).code == "arrival_too_late"


def test_reminder_is_due_once_between_reminder_time_and_start(config: Config) -> None:
    rules = config.booking
    start = at(dt.date(2026, 11, 30), 10)
    before = dt.timedelta(hours=rules.reminder_hours_before)
    booked_at = start - dt.timedelta(days=5)
    assert not reminder_due(start, booked_at, start - before - dt.timedelta(minutes=1), rules, already_sent=False)
    assert reminder_due(start, booked_at, start - before, rules, already_sent=False)
    assert not reminder_due(start, booked_at, start - before, rules, already_sent=True)
    assert not reminder_due(start, booked_at, start, rules, already_sent=False)
    late_booking = start - before + dt.timedelta(hours=1)
    assert not reminder_due(start, late_booking, start - dt.timedelta(hours=1), rules, already_sent=False)


def test_every_problem_text_has_an_english_translation() -> None:
    tree = ast.parse(Path(booking_module.__file__).read_text("utf-8"))
    templates = {
        call.args[2].value
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Problem" and len(call.args) >= 3
        and isinstance(call.args[2], ast.Constant)
    }
    assert len(templates) >= 15
    missing = sorted(t for t in templates if t not in catalog("en"))
    assert missing == []
