"""The four appointment mails: confirmation, reschedule, cancellation, reminder.

Each is a plain-text part plus the .ics file. Paragraphs are separate
gettext messages (German msgids) so translators see short, whole sentences;
dates and fees are formatted by Babel in the mail's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from videoschalter.i18n import SOURCE_LANGUAGE, available_languages, translator
from videoschalter.mail.appointment import MailAppointment
from videoschalter.mail.ics import Method, build_ics

if TYPE_CHECKING:
    from videoschalter.config import MailSettings


def _locale(lang: str) -> str:
    return lang if lang in available_languages() else SOURCE_LANGUAGE


def format_when(when: dt.datetime, timezone: str, lang: str) -> str:
    """E.g. "Donnerstag, 26. November 2026 um 16:00 Uhr" / "Thursday, November 26, 2026 at 4:00 PM"."""
    local = when.astimezone(ZoneInfo(timezone))
    loc = _locale(lang)
    _ = translator(lang)
    return _("{date} um {time} Uhr").format(
        date=format_date(local.date(), "full", locale=loc), time=format_time(local, "short", locale=loc)
    )


def format_fee(fee_cents: int, lang: str) -> str:
    _ = translator(lang)
    if fee_cents == 0:
        return _("gebührenfrei")
    return format_currency(Decimal(fee_cents) / 100, "EUR", locale=_locale(lang))


def confirmation_mail(appt: MailAppointment, settings: MailSettings) -> EmailMessage:
    _ = translator(appt.lang)
    return _compose(
        appt,
        settings,
        subject=_("Ihr Videotermin: {service} am {date}"),
        intro=_("Ihr Videotermin ist gebucht."),
        method="REQUEST",
    )


def reschedule_mail(appt: MailAppointment, settings: MailSettings, old_start: dt.datetime) -> EmailMessage:
    """``appt`` carries the new time and a raised ``sequence``."""
    _ = translator(appt.lang)
    intro = _("Ihr Videotermin wurde verschoben. Der bisherige Termin am {old} entfällt.").format(
        old=format_when(old_start, appt.timezone, appt.lang)
    )
    return _compose(appt, settings, subject=_("Termin verschoben: {service} am {date}"), intro=intro, method="REQUEST")


def cancellation_mail(appt: MailAppointment, settings: MailSettings) -> EmailMessage:
    """``appt`` carries a raised ``sequence``; the .ics removes the entry from the calendar."""
    _ = translator(appt.lang)
    return _compose(
        appt,
        settings,
        subject=_("Termin abgesagt: {service} am {date}"),
        intro=_("Ihr Videotermin wurde abgesagt. Sie können jederzeit einen neuen Termin buchen."),
        method="CANCEL",
    )


def reminder_mail(appt: MailAppointment, settings: MailSettings) -> EmailMessage:
    _ = translator(appt.lang)
    return _compose(
        appt,
        settings,
        subject=_("Erinnerung an Ihren Videotermin: {service} am {date}"),
        intro=_("wir erinnern Sie an Ihren Videotermin."),
        method="REQUEST",
    )


def _compose(appt: MailAppointment, settings: MailSettings, subject: str, intro: str, method: Method) -> EmailMessage:
    _ = translator(appt.lang)
    when = format_when(appt.start, appt.timezone, appt.lang)
    local_date = format_date(appt.start.astimezone(ZoneInfo(appt.timezone)).date(), "medium", locale=_locale(appt.lang))
    paragraphs = [_("Guten Tag {name},").format(name=appt.citizen_name), intro]
    facts = [
        _("Leistung: {service} ({department})").format(service=appt.service, department=appt.department),
        _("Termin: {when}").format(when=when),
    ]
    if method == "REQUEST":
        facts.append(_("Gebühr: {fee}").format(fee=format_fee(appt.fee_cents, appt.lang)))
    paragraphs.append("\n".join(facts))
    if method == "REQUEST":
        if appt.documents:
            paragraphs.append("\n".join([_("Bitte halten Sie bereit:"), *(f"- {d}" for d in appt.documents)]))
        paragraphs.append(
            "\n".join(
                [
                    _(
                        "So kommen Sie zu Ihrem Termin: Öffnen Sie kurz vor Beginn Ihren persönlichen Link. "
                        "Sie warten dann im Wartezimmer, bis Sie aufgerufen werden."
                    ),
                    appt.link,
                ]
            )
        )
        paragraphs.append(
            _(
                "Über denselben Link können Sie den Termin verschieben oder absagen. "
                "Bitte geben Sie den Link nicht weiter."
            )
        )
    if method == "REQUEST":
        paragraphs.append(_("Den Termin finden Sie auch im Anhang zum Eintragen in Ihren Kalender."))
    else:
        paragraphs.append(_("Mit dem Anhang können Sie den Termin aus Ihrem Kalender entfernen."))
    paragraphs.append("\n".join([_("Mit freundlichen Grüßen"), appt.office_name or settings.from_name]))
    paragraphs.append(_("Diese Nachricht wurde automatisch erstellt. Bitte antworten Sie nicht darauf."))

    msg = EmailMessage()
    msg["Subject"] = subject.format(service=appt.service, date=local_date)
    msg["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    msg["To"] = Address(appt.citizen_name, addr_spec=appt.citizen_email)
    msg["Date"] = rfc2822_date(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2])
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = _locale(appt.lang)
    msg.set_content("\n\n".join(paragraphs) + "\n", cte="quoted-printable")
    ics = build_ics(appt, settings.from_address, settings.from_name, method)
    msg.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename="termin.ics" if appt.lang == "de" else "appointment.ics",
        params={"method": method, "charset": "UTF-8"},
    )
    return msg
