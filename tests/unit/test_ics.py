"""The .ics attachment and the four appointment mails built around it."""

from __future__ import annotations

import ast
import datetime as dt
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

import videoschalter.mail.ics as ics_module
import videoschalter.mail.messages as messages_module
from videoschalter.config import Config, load_config
from videoschalter.i18n import catalog
from videoschalter.mail.appointment import MailAppointment, personal_link
from videoschalter.mail.ics import build_ics
from videoschalter.mail.messages import cancellation_mail, confirmation_mail, reminder_mail, reschedule_mail

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.datetime(2026, 11, 26, 18, 30, tzinfo=BERLIN)  # Thursday evening hours
SUMMER = dt.datetime(2027, 7, 1, 9, 0, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config()


def appointment(config: Config, start: dt.datetime = START, lang: str = "de", sequence: int = 0) -> MailAppointment:
    return MailAppointment.for_service(
        config,
        config.service("fuehrungszeugnis"),
        booking_id="b-42",
        start=start,
        citizen_name="Anna Müller",
        citizen_email="anna@beispiel.de",
        link=personal_link("https://videoschalter.musterstadt.de", "Tok_en-123"),
        lang=lang,
        sequence=sequence,
    )


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_request_has_everything_a_calendar_needs(config: Config) -> None:
    appt = appointment(config)
    cal = parse(build_ics(appt, "videoschalter@musterstadt.de", "Stadt Musterstadt"))
    assert str(cal["METHOD"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == "b-42@videoschalter.musterstadt.de"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == START and end - start == dt.timedelta(minutes=15)
    assert str(start.tzinfo) == "Europe/Berlin" and event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(event["SUMMARY"]) == "Videotermin: Führungszeugnis beantragen – Stadt Musterstadt"
    assert str(event["LOCATION"]) == "Online – Videoschalter"
    link = "https://videoschalter.musterstadt.de/termin/Tok_en-123"
    assert str(event["URL"]) == link and link in str(event["DESCRIPTION"])
    assert "Personalausweis oder Reisepass" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:videoschalter@musterstadt.de"
    assert str(event["ATTENDEE"]) == "mailto:anna@beispiel.de"
    assert str(event["STATUS"]) == "CONFIRMED" and event["SEQUENCE"] == 0
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15)


def test_cancel_keeps_the_uid_and_removes_the_alarm(config: Config) -> None:
    cal = parse(build_ics(appointment(config, sequence=2), "videoschalter@musterstadt.de", method="CANCEL"))
    assert str(cal["METHOD"]) == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == "b-42@videoschalter.musterstadt.de"
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 2
    assert event.walk("VALARM") == []


def test_summer_time_offset_is_right(config: Config) -> None:
    [event] = parse(build_ics(appointment(config, SUMMER), "a@musterstadt.de")).walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start.utcoffset() == dt.timedelta(hours=2)
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 7, 1, 7, 0, tzinfo=dt.UTC)


def attachment(msg: EmailMessage) -> tuple[str, icalendar.Calendar]:
    [part] = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), parse(part.get_content().encode() if isinstance(part.get_content(), str)
                                          else part.get_content())


def roundtrip(msg: EmailMessage) -> EmailMessage:
    return message_from_bytes(msg.as_bytes(), policy=policy.default)  # type: ignore[return-value]


def test_confirmation_mail_in_german(config: Config) -> None:
    msg = roundtrip(confirmation_mail(appointment(config), config.mail))
    assert msg["Subject"] == "Ihr Videotermin: Führungszeugnis beantragen am 26.11.2026"
    assert msg["To"].addresses[0].addr_spec == "anna@beispiel.de"
    assert msg["From"].addresses[0].addr_spec == config.mail.from_address
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Message-ID"]
    body = msg.get_body(("plain",)).get_content()
    assert "Guten Tag Anna Müller," in body
    assert "Donnerstag, 26. November 2026 um 18:30 Uhr" in body
    assert "Gebühr: 13,00\xa0€" in body
    assert "https://videoschalter.musterstadt.de/termin/Tok_en-123" in body
    assert "- Personalausweis oder Reisepass" in body
    method, cal = attachment(msg)
    assert method == "REQUEST" and str(cal["METHOD"]) == "REQUEST"


def test_confirmation_mail_in_english(config: Config) -> None:
    msg = roundtrip(confirmation_mail(appointment(config, lang="en"), config.mail))
    assert msg["Subject"] == "Your video appointment: Certificate of good conduct (Führungszeugnis) on Nov 26, 2026"
    body = msg.get_body(("plain",)).get_content()
    assert "Dear Anna Müller," in body and "Thursday, November 26, 2026 at 6:30\u202fPM" in body
    assert "Fee: €13.00" in body and "- ID card or passport" in body
    assert "Guten Tag" not in body and "Gebühr" not in body


def test_reschedule_cancellation_and_reminder(config: Config) -> None:
    moved = roundtrip(reschedule_mail(appointment(config, SUMMER, sequence=1), config.mail, old_start=START))
    body = moved.get_body(("plain",)).get_content()
    assert moved["Subject"].startswith("Termin verschoben:")
    assert "Der bisherige Termin am Donnerstag, 26. November 2026 um 18:30 Uhr entfällt." in body
    assert "Donnerstag, 1. Juli 2027 um 09:00 Uhr" in body
    assert attachment(moved)[1].walk("VEVENT")[0]["SEQUENCE"] == 1

    cancelled = roundtrip(cancellation_mail(appointment(config, sequence=2), config.mail))
    method, cal = attachment(cancelled)
    assert cancelled["Subject"].startswith("Termin abgesagt:") and method == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    cancelled_body = cancelled.get_body(("plain",)).get_content()
    assert "Tok_en-123" not in cancelled_body  # a dead link helps nobody
    assert "aus Ihrem Kalender entfernen" in cancelled_body

    reminder = roundtrip(reminder_mail(appointment(config, lang="en"), config.mail))
    assert reminder["Subject"].startswith("Reminder: your video appointment")
    assert "This is a reminder" in reminder.get_body(("plain",)).get_content()


def test_free_services_say_so(config: Config) -> None:
    appt = MailAppointment.for_service(
        config, config.service("anmeldung"), booking_id="b-1", start=START, citizen_name="Ali Kaya",
        citizen_email="ali@beispiel.de", link="https://v.musterstadt.de/termin/t",
    )
    assert "Gebühr: gebührenfrei" in confirmation_mail(appt, config.mail).get_body(("plain",)).get_content()


@pytest.mark.parametrize("module", [ics_module, messages_module])
def test_every_mail_text_has_an_english_translation(module: object) -> None:
    tree = ast.parse(Path(module.__file__).read_text("utf-8"))  # type: ignore[attr-defined]
    texts = {
        c.args[0].value
        for c in ast.walk(tree)
        if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "_"
        and c.args and isinstance(c.args[0], ast.Constant)
    }
    assert texts and sorted(t for t in texts if t not in catalog("en")) == []
