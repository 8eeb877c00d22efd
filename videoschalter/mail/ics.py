"""The calendar file attached to every appointment mail (RFC 5545 / iTIP RFC 5546).

METHOD:REQUEST with the same UID and a higher SEQUENCE replaces an entry in
the citizen's calendar after a reschedule; METHOD:CANCEL removes it. Times
are written in the town's zone with its VTIMEZONE, so the entry stays right
for a citizen whose device is set to another zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar

from videoschalter.i18n import translator
from videoschalter.mail.appointment import MailAppointment

PRODID = "-//Videoschalter//Videoschalter 0.1//DE"
LOCATION = "Online – Videoschalter"
ALARM_BEFORE = dt.timedelta(minutes=15)
Method = Literal["REQUEST", "CANCEL"]


def build_calendar(
    appt: MailAppointment,
    organizer_email: str,
    organizer_name: str = "",
    method: Method = "REQUEST",
    now: dt.datetime | None = None,
) -> icalendar.Calendar:
    _ = translator(appt.lang)
    tz = ZoneInfo(appt.timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)

    event = icalendar.Event()
    event.add("uid", appt.uid())
    event.add("dtstamp", (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC))
    event.add("sequence", appt.sequence)
    event.add("dtstart", appt.start.astimezone(tz))
    event.add("dtend", appt.end.astimezone(tz))
    summary = _("Videotermin: {service}").format(service=appt.service)
    if appt.office_name:
        summary += f" – {appt.office_name}"
    event.add("summary", summary)
    event.add("location", LOCATION)
    event.add("url", appt.link)
    event.add("description", _description(appt))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = icalendar.vCalAddress(f"mailto:{organizer_email}")
    if organizer_name:
        organizer.params["cn"] = icalendar.vText(organizer_name)
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{appt.citizen_email}")
    attendee.params["cn"] = icalendar.vText(appt.citizen_name)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = icalendar.vText("ACCEPTED")
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", attendee)
    if method == "REQUEST":
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", summary)
        event.add_component(alarm)
    cal.add_component(event)
    year = appt.start.astimezone(tz).year
    cal.add_missing_timezones(first_date=dt.date(year - 1, 1, 1), last_date=dt.date(year + 2, 1, 1))
    return cal


def build_ics(
    appt: MailAppointment,
    organizer_email: str,
    organizer_name: str = "",
    method: Method = "REQUEST",
    now: dt.datetime | None = None,
) -> bytes:
    """The .ics file as bytes (CRLF lines, folded at 75 octets by icalendar)."""
    return build_calendar(appt, organizer_email, organizer_name, method, now).to_ical()


def _description(appt: MailAppointment) -> str:
    _ = translator(appt.lang)
    lines = [
        _("Ihr persönlicher Link zum Videotermin (auch zum Verschieben oder Absagen):"),
        appt.link,
    ]
    if appt.documents:
        lines += ["", _("Bitte halten Sie bereit:"), *(f"- {doc}" for doc in appt.documents)]
    return "\n".join(lines)
