"""Which texts are missing in which language, so a test can demand complete shipped forms and a town can see
what its translators still have to do (missing texts are shown in German meanwhile)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .engine_texts import engine_texts
from .languages import LANGUAGES
from .model import FormDefinition, Texts


@dataclass(frozen=True)
class TranslationGap:
    where: str  # e.g. "anmeldung: field 'move_in_date'.help"
    lang: str


def translation_gaps(form: FormDefinition, languages: Iterable[str] = LANGUAGES) -> list[TranslationGap]:
    """Every text of ``form`` that lacks one of ``languages``."""
    langs = tuple(languages)
    return [TranslationGap(f"{form.id}: {where}", lang)
            for where, texts in _form_texts(form) for lang in langs if not texts.get(lang)]


def engine_translation_gaps(languages: Iterable[str] = LANGUAGES) -> list[TranslationGap]:
    """The same for the engine's own texts (``texts.toml``)."""
    langs = tuple(languages)
    return [TranslationGap(f"texts.toml: {group}.{key}", lang)
            for group, entries in engine_texts().items() for key, texts in entries.items()
            for lang in langs if not texts.get(lang)]


def _form_texts(form: FormDefinition) -> Iterator[tuple[str, Texts]]:
    yield "title", form.title
    if form.description:
        yield "description", form.description
    for section in form.sections:
        yield f"section '{section.id}'.title", section.title
        if section.help:
            yield f"section '{section.id}'.help", section.help
        for f in section.fields:
            yield f"field '{f.id}'.label", f.label
            if f.help:
                yield f"field '{f.id}'.help", f.help
            if f.validation.pattern_message:
                yield f"field '{f.id}'.validation.message", f.validation.pattern_message
            for o in f.options:
                yield f"field '{f.id}' option '{o.value}'.label", o.label
