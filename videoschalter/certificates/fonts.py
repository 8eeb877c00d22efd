"""DejaVu fonts for the documents: the PDF core fonts have no Cyrillic, so "Мирослава" would print as boxes.

Registered once per process with reportlab; a missing font is a setup error with a
clear fix, not a silently wrong document.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR_ENV = "VIDEOSCHALTER_FONT_DIR"
SEARCH_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu: fonts-dejavu-core
    Path("/usr/share/fonts/dejavu"),  # Fedora, Arch
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts/dejavu"),
)
_FILES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "condensed": "DejaVuSansCondensed.ttf",
    "condensed_bold": "DejaVuSansCondensed-Bold.ttf",
}


class FontsMissingError(RuntimeError):
    """The DejaVu TrueType fonts are not installed where we look for them."""


@dataclass(frozen=True)
class DocumentFonts:
    """reportlab font names to use on the documents."""

    regular: str = "VS-DejaVuSans"
    bold: str = "VS-DejaVuSans-Bold"
    condensed: str = "VS-DejaVuSansCondensed"
    condensed_bold: str = "VS-DejaVuSansCondensed-Bold"


FONTS = DocumentFonts()
_registered = False


def find_font_dir(extra: Path | None = None) -> Path:
    """The first folder that holds all DejaVu files we need, or raise with the fix."""
    candidates = [p for p in (extra, _env_dir()) if p is not None] + list(SEARCH_DIRS)
    for folder in candidates:
        if all((folder / name).is_file() for name in _FILES.values()):
            return folder
    looked = ", ".join(str(p) for p in candidates)
    raise FontsMissingError(
        f"DejaVu-Schriften nicht gefunden (gesucht in: {looked}). Abhilfe: "
        f"'apt-get install fonts-dejavu-core' oder {FONT_DIR_ENV}=/pfad/zu/dejavu setzen. "
        f"Benötigt: {', '.join(_FILES.values())}"
    )


def register_fonts(font_dir: Path | None = None) -> DocumentFonts:
    """Register the DejaVu fonts with reportlab (once per process) and return their names."""
    global _registered
    if _registered:
        return FONTS
    folder = find_font_dir(font_dir)
    for role, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(getattr(FONTS, role), str(folder / filename)))
    pdfmetrics.registerFontFamily(FONTS.regular, normal=FONTS.regular, bold=FONTS.bold)
    _registered = True
    return FONTS


def _env_dir() -> Path | None:
    value = os.environ.get(FONT_DIR_ENV)
    return Path(value) if value else None
