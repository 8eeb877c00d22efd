"""The form engine's own texts (validation messages, address parts, special nationalities) from ``texts.toml``.

They live in a data file like the forms, so a town adding a language touches no Python.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from .languages import pick

TEXTS_FILE = Path(__file__).parent / "texts.toml"
ADDRESS_PARTS: tuple[str, ...] = ("street", "house_number", "addition", "postcode", "town", "country")


@cache
def engine_texts() -> dict[str, dict[str, dict[str, str]]]:
    """``{"messages": {key: {lang: text}}, "address": …, "nationality": …}``."""
    with TEXTS_FILE.open("rb") as fh:
        return tomllib.load(fh)


def message(key: str, lang: str, **params: object) -> str:
    """A validation message in ``lang`` (German if missing) with its placeholders filled in."""
    text, _ = pick(engine_texts()["messages"][key], lang)
    return text.format(**params)


def address_part_label(part: str, lang: str) -> tuple[str, str]:
    return pick(engine_texts()["address"][part], lang)
