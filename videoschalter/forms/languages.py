"""Which languages a form is shown in and which way they are written.

German is the source language: every text of a definition must have it, every other language falls back to it.
"""

from __future__ import annotations

SOURCE_LANGUAGE = "de"
# The languages every shipped form is complete in (the completeness test holds them to this).
LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "ar", "uk", "ru")
# Written right to left; a town that adds Persian or Hebrew gets the right direction without code changes.
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "dv", "yi"})


def direction(lang: str) -> str:
    """``"rtl"`` or ``"ltr"`` for the browser's ``dir`` attribute."""
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def pick(texts: dict[str, str], lang: str) -> tuple[str, str]:
    """The text in ``lang`` or else German, with the language it is actually in (for ``lang=""`` attributes)."""
    if texts.get(lang):
        return texts[lang], lang
    return texts.get(SOURCE_LANGUAGE, ""), SOURCE_LANGUAGE
