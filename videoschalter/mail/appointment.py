"""What a mail about one appointment needs to know, as plain data.

The server fills this from its storage row and the catalogue; the mail code
then needs neither the database nor the configuration loader.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from videoschalter.i18n import translator

if TYPE_CHECKING:
    from videoschalter.config import Config, Service


@dataclass(frozen=True)
class MailAppointment:
    booking_id: str  # stable across reschedules: becomes the calendar UID
    start: dt.datetime  # aware
    end: dt.datetime
    service: str  # display name, e.g. "Meldebescheinigung"
    department: str
    citizen_name: str
    citizen_email: str
    link: str  # the citizen's personal link (full URL)
    office_name: str = ""
    timezone: str = "Europe/Berlin"
    lang: str = "de"
    sequence: int = 0  # raise by one on every change so calendars replace the old entry
    documents: tuple[str, ...] = ()
    fee_cents: int = 0

    @classmethod
    def for_service(
        cls,
        config: Config,
        service: Service,
        *,
        booking_id: str,
        start: dt.datetime,
        citizen_name: str,
        citizen_email: str,
        link: str,
        lang: str = "de",
        sequence: int = 0,
    ) -> MailAppointment:
        """Catalogue texts are looked up in the mail's language (German when untranslated)."""
        _ = translator(lang)
        dept = config.department(service.department)
        return cls(
            booking_id=booking_id,
            start=start,
            end=start + service.duration,
            service=_(service.name),
            department=_(dept.name if dept else service.department),
            citizen_name=citizen_name,
            citizen_email=citizen_email,
            link=link,
            office_name=config.office_name,
            timezone=config.timezone,
            lang=lang,
            sequence=sequence,
            documents=tuple(_(doc) for doc in service.documents),
            fee_cents=service.fee_cents,
        )

    def uid(self) -> str:
        """Globally unique and stable: booking id at the host of the personal link."""
        host = urlsplit(self.link).hostname or "videoschalter.invalid"
        return f"{self.booking_id}@{host}"


def personal_link(base_url: str, token: str, route: str = "/termin/") -> str:
    """The link in the mail; the server decides the route and owns the token."""
    return f"{base_url.rstrip('/')}{route}{quote(token, safe='')}"
