"""Rules for booking, moving and cancelling an appointment, without storage.

Every rule returns a ``Problem`` (a stable code for the server and the page,
the form field it concerns, and a German text that is also the gettext msgid)
or ``None``. The storage layer counts and locks; these functions only decide,
so the same rules hold for the web page, the clerk app and the tests.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

from videoschalter.domain.slots import Booked, is_closed_day, places_left, slot_containing, utc
from videoschalter.i18n import translator

if TYPE_CHECKING:
    from videoschalter.config import BookingSettings, Config, Service

NAME_MIN, NAME_MAX = 2, 100
ACTIVE = "booked"  # the only status from which an appointment can still be moved or cancelled


@dataclass(frozen=True)
class Problem:
    code: str  # stable identifier, e.g. "slot_full"
    field: str | None  # form field it concerns: "name", "email", "service", "start" or None
    template: str  # German text with {placeholders}; also the msgid for translations
    params: Mapping[str, object] = field(default_factory=dict, compare=False)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def text(self, lang: str) -> str:
        """The message in the citizen's language (German when no translation exists).

        Text parameters (service names, hints from the catalogue) are looked up too.
        """
        _ = translator(lang)
        params = {k: _(v) if isinstance(v, str) else v for k, v in self.params.items()}
        return _(self.template).format(**params)

    def as_dict(self, lang: str = "de") -> dict[str, str | None]:
        """For a JSON answer: the page shows ``message`` next to ``field``."""
        return {"code": self.code, "field": self.field, "message": self.text(lang)}


@dataclass(frozen=True)
class BookingRequest:
    service_id: str
    start: dt.datetime
    name: str
    email: str


@dataclass(frozen=True)
class BookingCheck:
    """Outcome of ``validate_booking``: problems, or the cleaned-up values to store."""

    problems: list[Problem]
    name: str = ""
    email: str = ""
    service: Service | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_name(name: str) -> tuple[str, Problem | None]:
    """Trim and collapse spaces; refuse control characters (they end up in mail headers)."""
    cleaned = " ".join(name.split())
    if len(cleaned) < NAME_MIN:
        return cleaned, Problem("name_missing", "name", "Bitte geben Sie Ihren Namen an.")
    if len(cleaned) > NAME_MAX:
        return cleaned, Problem(
            "name_too_long", "name", "Der Name ist zu lang (höchstens {max} Zeichen).", {"max": NAME_MAX}
        )
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned) or not any(ch.isalpha() for ch in cleaned):
        return cleaned, Problem("name_invalid", "name", "Der Name enthält unzulässige Zeichen.")
    return cleaned, None


def check_email(address: str) -> tuple[str, Problem | None]:
    """Syntax only, no DNS; returns the normalised ASCII form (an IDN domain as punycode)."""
    invalid = Problem("email_invalid", "email", "Die E-Mail-Adresse ist ungültig. Bitte prüfen Sie die Schreibweise.")
    try:
        result = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return address, invalid
    cleaned = result.ascii_email or result.normalized
    if len(cleaned) > 254 or len(cleaned.rpartition("@")[0]) > 64:  # SMTP limits (RFC 5321)
        return address, invalid
    return cleaned, None


def check_service(config: Config, service_id: str) -> tuple[Service | None, Problem | None]:
    service = config.service(service_id)
    if service is None:
        return None, Problem("service_unknown", "service", "Diese Leistung gibt es nicht.")
    if not service.video:
        return service, Problem(
            "service_not_by_video",
            "service",
            "„{service}“ ist per Video nicht möglich. {hint}",
            {"service": service.name, "hint": service.not_by_video_hint},
        )
    return service, None


def check_slot(
    config: Config, service: Service, start: dt.datetime, now: dt.datetime, booked: Sequence[Booked]
) -> Problem | None:
    """Is ``start`` a bookable, still free slot of this service? ``booked``: the department's bookings."""
    dept = config.department(service.department)
    if dept is None:  # the config loader rules this out; kept for hand-built configs
        return Problem("service_unknown", "service", "Diese Leistung gibt es nicht.")
    rules = config.booking
    start_utc, now_utc = utc(start), utc(now)
    local = start_utc.astimezone(dept.hours.timezone)
    if start_utc < now_utc:
        return Problem("slot_in_past", "start", "Dieser Termin liegt in der Vergangenheit.")
    if start_utc < now_utc + dt.timedelta(minutes=rules.min_lead_minutes):
        return Problem(
            "slot_too_soon",
            "start",
            "Termine können bis {minutes} Minuten vor Beginn gebucht werden. Bitte wählen Sie einen späteren Termin.",
            {"minutes": rules.min_lead_minutes},
        )
    today = now_utc.astimezone(dept.hours.timezone).date()
    if local.date() > today + dt.timedelta(days=rules.horizon_days):
        return Problem(
            "slot_beyond_horizon",
            "start",
            "Termine können höchstens {days} Tage im Voraus gebucht werden.",
            {"days": rules.horizon_days},
        )
    if is_closed_day(dept.hours, local.date()):
        return Problem("slot_closed_day", "start", "An diesem Tag ist geschlossen (Feiertag oder Schließtag).")
    inside, on_grid = slot_containing(
        dept.hours, start_utc, service.duration, dt.timedelta(minutes=dept.slot_minutes)
    )
    if not inside:
        return Problem("slot_outside_hours", "start", "Dieser Termin liegt außerhalb der Öffnungszeiten.")
    if not on_grid:
        return Problem(
            "slot_not_on_grid", "start", "Zu dieser Uhrzeit beginnt kein Termin. Bitte wählen Sie einen aus der Liste."
        )
    if places_left(start_utc, start_utc + service.duration, dept.capacity_on(local.date()), booked) <= 0:
        return Problem(
            "slot_full", "start", "Dieser Termin ist leider schon vergeben. Bitte wählen Sie einen anderen."
        )
    return None


def check_daily_limits(rules: BookingSettings, email_count: int, client_count: int) -> list[Problem]:
    """Counts come from storage, excluding the booking being checked.

    ``email_count``: active appointments of this e-mail address on the requested day.
    ``client_count``: bookings made from this client address today (local day).
    """
    problems = []
    if email_count >= rules.max_per_email_per_day:
        problems.append(
            Problem(
                "limit_email",
                "email",
                "Mit dieser E-Mail-Adresse sind an diesem Tag schon {count} Termine gebucht; "
                "mehr sind nicht möglich.",
                {"count": email_count},
            )
        )
    if client_count >= rules.max_per_client_per_day:
        problems.append(
            Problem(
                "limit_client",
                None,
                "Von Ihrem Anschluss wurden heute schon zu viele Termine gebucht. "
                "Bitte versuchen Sie es morgen wieder.",
            )
        )
    return problems


def validate_booking(
    config: Config,
    request: BookingRequest,
    now: dt.datetime,
    booked: Sequence[Booked],
    email_count: int = 0,
    client_count: int = 0,
) -> BookingCheck:
    """All rules for a new booking; the storage repeats the capacity check in its transaction."""
    problems: list[Problem] = []
    name, name_problem = check_name(request.name)
    email, email_problem = check_email(request.email)
    service, service_problem = check_service(config, request.service_id)
    problems += [p for p in (name_problem, email_problem, service_problem) if p]
    if service is not None and service_problem is None:
        slot_problem = check_slot(config, service, request.start, now, booked)
        if slot_problem:
            problems.append(slot_problem)
    problems += check_daily_limits(config.booking, email_count, client_count)
    return BookingCheck(problems, name, email, service)


def check_change(start: dt.datetime, now: dt.datetime, status: str = ACTIVE) -> Problem | None:
    """Cancel or move: only an active appointment, and only before it starts."""
    if status != ACTIVE:
        return Problem("change_not_active", None, "Dieser Termin wurde bereits abgesagt oder ist vorbei.")
    if utc(now) >= utc(start):
        return Problem(
            "change_after_start",
            None,
            "Der Termin hat schon begonnen und kann nicht mehr abgesagt oder verschoben werden.",
        )
    return None


def validate_reschedule(
    config: Config,
    service: Service,
    old_start: dt.datetime,
    new_start: dt.datetime,
    now: dt.datetime,
    booked_without_own: Sequence[Booked],
    status: str = ACTIVE,
) -> list[Problem]:
    """Moving = a change of the old and a new booking; the own old booking must not be in ``booked``."""
    change = check_change(old_start, now, status)
    if change:
        return [change]
    slot = check_slot(config, service, new_start, now, booked_without_own)
    return [slot] if slot else []


def no_show_at(start: dt.datetime, rules: BookingSettings) -> dt.datetime:
    return utc(start) + dt.timedelta(minutes=rules.no_show_after_minutes)


def is_no_show(start: dt.datetime, now: dt.datetime, arrived: bool, rules: BookingSettings) -> bool:
    """Not in the waiting room by start + grace: the slot goes back, the booking counts as missed."""
    return not arrived and utc(now) >= no_show_at(start, rules)


def check_arrival(start: dt.datetime, now: dt.datetime, rules: BookingSettings) -> Problem | None:
    """May the citizen enter the waiting room with the personal link now?"""
    opens = utc(start) - dt.timedelta(minutes=rules.early_arrival_minutes)
    if utc(now) < opens:
        return Problem(
            "arrival_too_early",
            None,
            "Das Wartezimmer öffnet {minutes} Minuten vor Ihrem Termin.",
            {"minutes": rules.early_arrival_minutes},
        )
    if utc(now) >= no_show_at(start, rules):
        return Problem("arrival_too_late", None, "Ihr Termin ist verfallen. Bitte buchen Sie einen neuen Termin.")
    return None


def reminder_at(start: dt.datetime, rules: BookingSettings) -> dt.datetime:
    return utc(start) - dt.timedelta(hours=rules.reminder_hours_before)


def reminder_due(
    start: dt.datetime, booked_at: dt.datetime, now: dt.datetime, rules: BookingSettings, already_sent: bool
) -> bool:
    """Send once, between the reminder time and the start; not if the booking itself was that late
    (the confirmation just arrived) or reminders are off (0 hours)."""
    if already_sent or rules.reminder_hours_before == 0:
        return False
    due = reminder_at(start, rules)
    return utc(booked_at) < due <= utc(now) < utc(start)
