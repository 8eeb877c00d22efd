"""Names of states for nationality and foreign-address fields, in any language Babel (Unicode CLDR) knows.

Values stay language-neutral codes: ICAO 3-letter codes for nationality (as on the ID card; Germany's "D" is
stored as "DEU"), ISO 3166 2-letter codes for the country of an address. The labels are CLDR's country names,
translated and maintained upstream; a hand-made list of 200 adjectives in six languages would go stale.
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from .engine_texts import engine_texts
from .languages import SOURCE_LANGUAGE, pick

# CLDR territories that are not states one can live in or hold the nationality of.
_NOT_STATES = frozenset({"EA", "EU", "EZ", "IC", "QO", "UN", "XA", "XB", "ZZ", "AQ", "BV", "HM", "TF", "GS", "UM"})
# Withdrawn alpha-3 codes CLDR still maps (Burma, Zaire, GDR, metropolitan France, East Timor, South Yemen).
_WITHDRAWN = frozenset({"BUR", "ZAR", "DDR", "FXX", "TMP", "YMD"})
# ICAO codes that are a state but not ISO alpha-3.
_ICAO_EXTRA = {"D": "DE", "RKS": "XK", "GBD": "GB", "GBN": "GB", "GBO": "GB", "GBP": "GB", "GBS": "GB"}


@cache
def _alpha3_to_alpha2() -> dict[str, str]:
    out: dict[str, str] = {}
    for alpha3, targets in get_global("territory_aliases").items():
        if len(alpha3) == 3 and alpha3.isalpha() and len(targets) == 1 and alpha3 not in _WITHDRAWN:
            out[alpha3] = targets[0]
    out["RKS"] = "XK"
    return out


def normalize_nationality(code: str) -> str:
    """ICAO code as stored: upper case, fillers removed, Germany's ``D`` as ``DEU``."""
    code = code.replace("<", "").strip().upper()
    return "DEU" if code == "D" else code


@cache
def _territories(lang: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(lang).territories)
    except (UnknownLocaleError, ValueError):
        return dict(Locale.parse(SOURCE_LANGUAGE).territories)


def country_name(alpha2: str, lang: str) -> str | None:
    if alpha2 in _NOT_STATES:
        return None
    return _territories(lang).get(alpha2)


def nationality_label(code: str, lang: str) -> str | None:
    """The label of an ICAO nationality code in ``lang``; None for a code that is no known state."""
    code = normalize_nationality(code)
    special = engine_texts()["nationality"].get(code)
    if special:
        return pick(special, lang)[0]
    alpha2 = _alpha3_to_alpha2().get(code) or _ICAO_EXTRA.get(code)
    return country_name(alpha2, lang) if alpha2 else None


@cache
def nationality_options(lang: str) -> tuple[tuple[str, str], ...]:
    """(ICAO code, label) for a select, Germany first, then sorted by label in that language."""
    codes = {a3 for a3, a2 in _alpha3_to_alpha2().items() if country_name(a2, lang)}
    codes |= set(engine_texts()["nationality"])
    labelled = sorted(((c, nationality_label(c, lang) or c) for c in codes if c != "DEU"),
                      key=lambda o: o[1].casefold())
    return (("DEU", nationality_label("DEU", lang) or "DEU"), *labelled)


def is_nationality(code: str) -> bool:
    return code in _nationality_codes()


@cache
def _nationality_codes() -> frozenset[str]:
    return frozenset(c for c, _ in nationality_options(SOURCE_LANGUAGE))


@cache
def country_options(lang: str, abroad: bool = True) -> tuple[tuple[str, str], ...]:
    """(ISO alpha-2, name) for the country of an address, sorted by name; without Germany for an address abroad."""
    names = [(c, n) for c, n in _territories(lang).items() if len(c) == 2 and c.isalpha() and c not in _NOT_STATES]
    return tuple(sorted(((c, n) for c, n in names if not (abroad and c == "DE")), key=lambda o: o[1].casefold()))


def is_country(alpha2: str) -> bool:
    return country_name(alpha2, SOURCE_LANGUAGE) is not None
