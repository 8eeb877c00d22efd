"""User-facing payment texts: German msgids, English from the catalogs or, until they are there, from here.

``ENGLISH`` is the list of strings the lead moves into ``web.po``; once a string is
in the catalog, the catalog wins and the entry here is dead weight to delete.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from babel.numbers import format_currency

from videoschalter import i18n
from videoschalter.payments.model import PaymentState

ENGLISH: dict[str, str] = {
    "TESTMODUS – es wird kein Geld bewegt": "TEST MODE – no money is moved",
    "Testzahlung": "Test payment",
    "Dies ist die eingebaute Testseite des Videoschalters. Hier werden keine echten Zahlungsdaten abgefragt "
    "und kein Geld bewegt.":
        "This is the Videoschalter's built-in test page. No real payment details are asked for "
        "and no money is moved.",
    "Verwendungszweck": "Purpose",
    "Betrag": "Amount",
    "Kassenzeichen": "Payment reference",
    "Bezahlen (Testmodus)": "Pay (test mode)",
    "Abbrechen": "Cancel",
    "Ablehnung simulieren": "Simulate a declined payment",
    "Diese Testzahlung ist abgeschlossen.": "This test payment is complete.",
    "Ergebnis": "Result",
    "Zurück zum Videoschalter": "Back to the Videoschalter",
    "Diese Testzahlung gibt es nicht (mehr).": "This test payment does not exist (any more).",
    "Bitte lassen Sie sich von der Sachbearbeitung eine neue Zahlungsaufforderung senden.":
        "Please ask the clerk to send you a new payment request.",
    # state labels for the clerk app and the citizen's page
    "offen": "open",
    "Zahlung läuft": "payment in progress",
    "bezahlt": "paid",
    "fehlgeschlagen": "failed",
    "abgebrochen": "cancelled",
    "erstattet": "refunded",
}

_LOCAL: dict[str, dict[str, str]] = {"en": ENGLISH}

STATE_LABELS: dict[PaymentState, str] = {
    PaymentState.OPEN: "offen",
    PaymentState.PENDING: "Zahlung läuft",
    PaymentState.PAID: "bezahlt",
    PaymentState.FAILED: "fehlgeschlagen",
    PaymentState.CANCELLED: "abgebrochen",
    PaymentState.REFUNDED: "erstattet",
}


def page_language(lang: str) -> str:
    """The language the texts will actually be in (German for anything we have no texts for)."""
    return lang if lang in _LOCAL or lang in i18n.available_languages() else i18n.SOURCE_LANGUAGE


def translator(lang: str) -> Callable[[str], str]:
    """Like ``videoschalter.i18n.translator``, with this module's English as a fallback."""
    from_catalog = i18n.translator(lang)
    local = _LOCAL.get(lang, {})

    def _(text: str) -> str:
        translated = from_catalog(text)
        return translated if translated != text else local.get(text, text)

    return _


def state_label(state: PaymentState, lang: str) -> str:
    return translator(lang)(STATE_LABELS[state])


def format_amount(amount_cents: int, lang: str) -> str:
    """5,00 € in German, €5.00 in English: whole cents in, never a float on the way."""
    locale = "de_DE" if page_language(lang) == "de" else page_language(lang)
    return format_currency(Decimal(amount_cents).scaleb(-2), "EUR", locale=locale)
