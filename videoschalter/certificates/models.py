"""What goes onto a certificate and a receipt: plain, frozen input records.

The renderer takes nothing else, so the web server, the clerk app and the tests
all describe a document the same way and identical input yields identical bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Dwelling(StrEnum):
    """Art der Wohnung as the Melderegister records it (§ 21 BMG)."""

    MAIN = "Hauptwohnung"
    SECONDARY = "Nebenwohnung"
    ONLY = "alleinige Wohnung"


@dataclass(frozen=True)
class Office:
    """The issuing authority, printed in the letterhead and used as signing location."""

    name: str  # "Stadt Musterstadt"
    department: str  # "Bürgerbüro"
    street: str  # "Marktplatz 1"
    postal_code: str
    town: str  # also the signature's location and the place of issue
    phone: str = ""
    email: str = ""
    website: str = ""
    authority_line: str = "Die Bürgermeisterin / Der Bürgermeister"  # line above the office name


@dataclass(frozen=True)
class IssueInfo:
    """What every issued document carries besides its content: id, check URL, time, fee, clerk."""

    document_id: str
    verification_url: str
    issued_at: dt.datetime  # timezone-aware; also the PDF's creation date (keeps output reproducible)
    fee_cents: int = 0
    payment_reference: str = ""
    clerk: str = ""  # "Frau Schmidt"; printed as Sachbearbeitung if given


@dataclass(frozen=True)
class CertificateData:
    """An einfache Meldebescheinigung (§ 18 Abs. 1 BMG) for one person."""

    document_id: str
    verification_url: str
    family_name: str
    given_names: str
    birth_date: dt.date
    nationalities: tuple[str, ...]
    street: str
    house_number: str
    postal_code: str
    city: str
    moved_in: dt.date
    dwelling: Dwelling
    issued_at: dt.datetime  # timezone-aware; also the PDF's creation date (keeps output reproducible)
    birth_name: str | None = None
    birth_place: str | None = None
    address_suffix: str = ""  # e.g. "bei Müller", "2. OG links"
    fee_cents: int = 500
    payment_reference: str = ""
    clerk: str = ""  # "Frau Schmidt"; printed as Sachbearbeitung if given


@dataclass(frozen=True)
class ReceiptData:
    """A Zahlungsbeleg for the fee paid for one document."""

    receipt_number: str
    payer_name: str
    service: str  # "Meldebescheinigung"
    fee_cents: int
    payment_reference: str
    paid_at: dt.datetime  # timezone-aware; also the PDF's creation date
    payment_method: str = "Online-Zahlung"
    document_id: str = ""  # the certificate this fee was paid for
    vat_note: str = "Verwaltungsgebühr – nicht umsatzsteuerbar (§ 2b UStG)"
