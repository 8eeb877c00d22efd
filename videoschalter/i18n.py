"""Translations: German is the source language, others come from gettext catalogs.

Catalogs are plain ``.po`` files under ``videoschalter/locale/<lang>/LC_MESSAGES/``
(one per area: ``videoschalter.po`` for mails and the catalogue, ``web.po`` for
the pages and the clerk app), merged and read with Babel at run time, so there is no compile step between editing a
translation and seeing it. The same catalogs feed the Python side (mails,
clerk app, server pages) and the browser (served as JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from babel.messages.pofile import read_po

DOMAIN = "videoschalter"
SOURCE_LANGUAGE = "de"


def available_languages() -> list[str]:
    root = resources.files("videoschalter").joinpath("locale")
    langs = [p.name for p in root.iterdir() if p.name != SOURCE_LANGUAGE and _po_files(p.name)]
    return [SOURCE_LANGUAGE, *sorted(langs)]


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid → msgstr for one language; empty for German (the msgids are German)."""
    if lang == SOURCE_LANGUAGE or lang not in available_languages():
        return {}
    messages: dict[str, str] = {}
    for po in _po_files(lang):
        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        messages.update({m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string and not m.fuzzy})
    return messages


def _po_files(lang: str) -> list[Traversable]:
    folder = resources.files("videoschalter").joinpath("locale", lang, "LC_MESSAGES")
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.name.endswith(".po")), key=lambda p: p.name)


def translator(lang: str) -> Callable[[str], str]:
    """A ``_`` function for one language; unknown texts fall back to German."""
    messages = catalog(lang)
    return lambda text: messages.get(text, text)


def negotiate(accept_language: str | None) -> str:
    """Pick the best supported language from an Accept-Language header."""
    supported = available_languages()
    if not accept_language:
        return SOURCE_LANGUAGE
    weighted = []
    for part in accept_language.split(","):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        weighted.append((weight, lang.split("-")[0].lower()))
    for _, lang in sorted(weighted, key=lambda w: -w[0]):
        if lang in supported:
            return lang
    return SOURCE_LANGUAGE
