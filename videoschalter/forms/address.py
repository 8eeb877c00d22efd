"""The parts of an address field and their rules, in Germany and abroad.

One place for the rules, so the server's validation and the browser's hints (sent by ``render``) cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Postleitzahlen run from 01001 to 99998; "00…" does not exist.
POSTCODE_DE = re.compile(r"^(?!00)[0-9]{5}$")
# 12, 12a, 12 a, 12-14, 12a-12c, 3/1 (Stuttgart-style), 7 1/2
HOUSE_NUMBER_DE = re.compile(r"^[1-9][0-9]{0,3} ?[a-zA-Z]?(?: ?[-/] ?[0-9]{1,4} ?[a-zA-Z]?)?(?: 1/2)?$")


@dataclass(frozen=True)
class AddressPart:
    id: str
    required: bool
    max_length: int
    pattern: re.Pattern[str] | None = None
    error: str = "pattern"  # message key when the pattern does not match


DOMESTIC: tuple[AddressPart, ...] = (
    AddressPart("street", True, 100),
    AddressPart("house_number", True, 20, HOUSE_NUMBER_DE, "invalid_house_number"),
    AddressPart("addition", False, 100),
    AddressPart("postcode", True, 5, POSTCODE_DE, "invalid_postcode"),
    AddressPart("town", True, 100),
)
# Abroad house numbers and postcodes follow no common rule; many addresses have neither, and someone moving
# abroad may know only the town yet (the Abmeldung asks for the new address "soweit bekannt").
ABROAD: tuple[AddressPart, ...] = (
    AddressPart("street", False, 150),
    AddressPart("house_number", False, 30),
    AddressPart("addition", False, 150),
    AddressPart("postcode", False, 20),
    AddressPart("town", True, 100),
    AddressPart("country", True, 2),
)


def parts(abroad: bool) -> tuple[AddressPart, ...]:
    return ABROAD if abroad else DOMESTIC
