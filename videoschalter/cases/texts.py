"""Refusals people read: German first, other languages from the catalogs or, until they are there, from here.

Every refusal keeps its German template and its values, so the server can answer in the
citizen's language: ``err.localized("en")``. ``ENGLISH`` lists the templates for the lead to
move into ``web.po``; once a template is in the catalog, the catalog wins.
"""

from __future__ import annotations

from typing import Any

from videoschalter import i18n

ENGLISH: dict[str, str] = {
    # uploads
    "Die Datei ist leer.": "The file is empty.",
    "Die Datei ist zu groß ({size_mb} MB); erlaubt sind höchstens {limit_mb} MB.":
        "The file is too large ({size_mb} MB); at most {limit_mb} MB are allowed.",
    "Das Bild ist zu groß ({megapixels} Megapixel); erlaubt sind höchstens {limit} Megapixel. "
    "Bitte verkleinern Sie es oder machen Sie ein Foto mit geringerer Auflösung.":
        "The picture is too large ({megapixels} megapixels); at most {limit} megapixels are allowed. "
        "Please make it smaller or take a photo with a lower resolution.",
    "Diese Datei ist weder ein PDF noch ein Foto (JPEG oder PNG). Bitte laden Sie ein PDF-Dokument oder ein Foto hoch.":
        "This file is neither a PDF nor a photo (JPEG or PNG). Please upload a PDF document or a photo.",
    "Das PDF ist beschädigt oder unvollständig und lässt sich nicht öffnen. "
    "Bitte speichern oder scannen Sie es erneut.":
        "The PDF is damaged or incomplete and cannot be opened. Please save or scan it again.",
    "Das PDF ist mit einem Passwort geschützt oder verschlüsselt. "
    "Bitte laden Sie eine Fassung ohne Passwortschutz hoch.":
        "The PDF is protected by a password or encrypted. Please upload a copy without password protection.",
    "Das PDF enthält Skripte oder startet Programme und wird deshalb nicht angenommen. "
    "Bitte drucken Sie es als neues PDF aus („Als PDF speichern“) und laden Sie dieses hoch.":
        "The PDF contains scripts or starts programs and cannot be accepted. "
        "Please print it to a new PDF (“Save as PDF”) and upload that one.",
    "Das Bild ist beschädigt oder unvollständig und lässt sich nicht lesen. "
    "Bitte fotografieren oder speichern Sie es erneut.":
        "The picture is damaged or incomplete and cannot be read. Please take or save it again.",
    # chat
    "Die Nachricht ist leer.": "The message is empty.",
    "Die Nachricht muss ein Text sein.": "The message must be text.",
    "Die Nachricht ist zu lang ({length} Zeichen); erlaubt sind höchstens {limit}.":
        "The message is too long ({length} characters); at most {limit} are allowed.",
    # signature
    "Die Unterschrift ist leer. Bitte unterschreiben Sie im Feld.": "The signature is empty. Please sign in the box.",
    "Die Breite des Unterschriftenfelds muss eine ganze Zahl von {low} bis {high} sein.":
        "The width of the signature box must be a whole number from {low} to {high}.",
    "Die Höhe des Unterschriftenfelds muss eine ganze Zahl von {low} bis {high} sein.":
        "The height of the signature box must be a whole number from {low} to {high}.",
    "Strich {stroke} der Unterschrift ist leer oder keine Liste von Punkten.":
        "Stroke {stroke} of the signature is empty or not a list of points.",
    "Die Unterschrift hat zu viele Punkte (höchstens {limit}). Bitte neu unterschreiben.":
        "The signature has too many points (at most {limit}). Please sign again.",
    "Strich {stroke}, Punkt {point}: erwartet [x, y, Zeit in ms, Druck].":
        "Stroke {stroke}, point {point}: expected [x, y, time in ms, pressure].",
    "Strich {stroke}, Punkt {point}: enthält etwas anderes als eine Zahl.":
        "Stroke {stroke}, point {point}: contains something that is not a number.",
    "Strich {stroke}, Punkt {point}: enthält eine unendliche oder ungültige Zahl.":
        "Stroke {stroke}, point {point}: contains an infinite or invalid number.",
    "Strich {stroke}, Punkt {point} liegt außerhalb des Unterschriftenfelds.":
        "Stroke {stroke}, point {point} lies outside the signature box.",
    "Strich {stroke}, Punkt {point}: der Druck muss zwischen 0 und 1 liegen.":
        "Stroke {stroke}, point {point}: the pressure must be between 0 and 1.",
    "Strich {stroke}, Punkt {point}: die Zeit muss zwischen 0 und {limit} ms liegen.":
        "Stroke {stroke}, point {point}: the time must be between 0 and {limit} ms.",
    "Strich {stroke}, Punkt {point}: die Zeit läuft rückwärts.":
        "Stroke {stroke}, point {point}: the time runs backwards.",
}

_LOCAL: dict[str, dict[str, str]] = {"en": ENGLISH}


class Refusal(ValueError):
    """Input refused with a sentence for people; ``message`` (and ``str()``) is German."""

    code = "invalid"

    def __init__(self, template: str, code: str | None = None, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.template = template
        self.params = params
        self.message = render(template, params, i18n.SOURCE_LANGUAGE)
        super().__init__(self.message)

    def localized(self, lang: str) -> str:
        """The same sentence in ``lang``; German when there is no translation yet."""
        return render(self.template, self.params, lang)


def render(template: str, params: dict[str, Any], lang: str) -> str:
    translated = i18n.translator(lang)(template)
    if translated == template:
        translated = _LOCAL.get(lang, {}).get(template, template)
    shown_lang = lang if translated != template else i18n.SOURCE_LANGUAGE
    return translated.format(**{k: _number(v, shown_lang) for k, v in params.items()})


def _number(value: Any, lang: str) -> Any:
    """``12,4`` in German, ``12.4`` otherwise; whole numbers without a decimal part."""
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if lang == i18n.SOURCE_LANGUAGE else text
    return value
