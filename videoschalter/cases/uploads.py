"""What a citizen or clerk may upload, decided from the bytes alone.

The name and the ``Content-Type`` a browser sends are the uploader's claim; only the
magic bytes decide the type. Images are decoded and re-encoded, so what is stored is
pixels and nothing else (no EXIF location, no comments, nothing appended after the
image end). PDFs are kept as sent, but only after pyHanko's reader parsed them: broken,
encrypted and scripted ones are refused with a sentence the citizen can act on.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image, ImageOps

from videoschalter.cases import pdfcheck
from videoschalter.cases.texts import Refusal

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
MAX_PIXELS = 40_000_000  # 40 MP: more than any phone saves by default, far below a decompression bomb
MAX_NAME_CHARS = 100
JPEG_QUALITY = 90


class UploadRefused(Refusal):
    """An upload that is not stored; ``message`` is German and meant for the citizen.

    ``code`` is stable (the server and the browser branch on it), ``status`` the HTTP answer,
    ``localized(lang)`` the sentence in the citizen's language.
    """

    TEXTS: ClassVar[dict[str, tuple[int, str]]] = {
        "empty": (400, "Die Datei ist leer."),
        "too_large": (413, "Die Datei ist zu groß ({size_mb} MB); erlaubt sind höchstens {limit_mb} MB."),
        "too_many_pixels": (
            413,
            "Das Bild ist zu groß ({megapixels} Megapixel); erlaubt sind höchstens {limit} Megapixel. "
            "Bitte verkleinern Sie es oder machen Sie ein Foto mit geringerer Auflösung.",
        ),
        "unsupported_type": (
            415,
            "Diese Datei ist weder ein PDF noch ein Foto (JPEG oder PNG). "
            "Bitte laden Sie ein PDF-Dokument oder ein Foto hoch.",
        ),
        "malformed_pdf": (
            422,
            "Das PDF ist beschädigt oder unvollständig und lässt sich nicht öffnen. "
            "Bitte speichern oder scannen Sie es erneut.",
        ),
        "encrypted_pdf": (
            422,
            "Das PDF ist mit einem Passwort geschützt oder verschlüsselt. "
            "Bitte laden Sie eine Fassung ohne Passwortschutz hoch.",
        ),
        "active_pdf": (
            422,
            "Das PDF enthält Skripte oder startet Programme und wird deshalb nicht angenommen. "
            "Bitte drucken Sie es als neues PDF aus („Als PDF speichern“) und laden Sie dieses hoch.",
        ),
        "malformed_image": (
            422,
            "Das Bild ist beschädigt oder unvollständig und lässt sich nicht lesen. "
            "Bitte fotografieren oder speichern Sie es erneut.",
        ),
    }

    def __init__(self, code: str, **params: Any) -> None:
        self.status, template = self.TEXTS[code]
        # too_many_pixels is a size problem: same stable code as an oversized file
        super().__init__(template, "too_large" if code == "too_many_pixels" else code, **params)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: the bytes to store (re-encoded for images) and what to show."""

    data: bytes
    mime: str  # application/pdf | image/jpeg | image/png
    name: str  # sanitised display name ending in the extension of ``mime``
    sha256: str  # hex digest of ``data``

    @property
    def size(self) -> int:
        return len(self.data)


def check_upload(data: bytes, filename: str, max_bytes: int) -> CheckedFile:
    """Decide about one upload; raises :class:`UploadRefused` with a reason the citizen can act on."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > max_bytes:
        raise UploadRefused("too_large", size_mb=_mb(len(data)), limit_mb=_mb(max_bytes))  # 1 MB = 1024² bytes
    mime = sniff(data)
    if mime is None:
        raise UploadRefused("unsupported_type")
    if mime == PDF:
        problem = pdfcheck.problem(data)
        if problem is not None:
            raise UploadRefused(problem)
        stored = data
    else:
        stored = reencode_image(data, mime)
    return CheckedFile(stored, mime, safe_filename(filename, mime), hashlib.sha256(stored).hexdigest())


def sniff(data: bytes) -> str | None:
    """The type from the first bytes; None for anything that is not PDF, JPEG or PNG."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def reencode_image(data: bytes, mime: str) -> bytes:
    """Decode, apply the EXIF orientation, and write fresh pixels without any metadata."""
    fmt = "JPEG" if mime == JPEG else "PNG"
    try:
        with warnings.catch_warnings():
            # we check the pixel count ourselves, below Pillow's own (warning) threshold
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt])
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise UploadRefused(
                "too_many_pixels", megapixels=round(width * height / 1e6), limit=MAX_PIXELS // 1_000_000
            )
        image.load()  # decodes everything: truncated or corrupt data fails here
        image = ImageOps.exif_transpose(image)
        if image.mode.startswith("I"):  # 16-bit grey (scans): scale down instead of clipping to white
            image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
        mode = _target_mode(image, fmt)
        converted = image.convert(mode) if image.mode != mode else image
        clean = Image.new(mode, converted.size)  # a fresh image carries no info/exif/icc/text chunks
        clean.paste(converted)
        out = io.BytesIO()
        if fmt == "JPEG":
            clean.save(out, "JPEG", quality=JPEG_QUALITY)
        else:
            clean.save(out, "PNG", compress_level=6)
        return out.getvalue()
    except UploadRefused:
        raise
    except Image.DecompressionBombError:
        raise UploadRefused("too_many_pixels", megapixels="> 178", limit=MAX_PIXELS // 1_000_000) from None
    except Exception:  # any failure to decode untrusted bytes means "broken image"
        raise UploadRefused("malformed_image") from None


def _target_mode(image: Image.Image, fmt: str) -> str:
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    if image.mode in ("1", "L") or (image.mode == "LA" and fmt == "JPEG"):
        return "L"
    if fmt == "PNG" and image.mode == "LA":
        return "LA"
    return "RGBA" if fmt == "PNG" and has_alpha else "RGB"


_UNSAFE = re.compile(r'[<>:"|?*\\/]')
_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")  # ".pdf", ".jpeg", ".mp4" – not the ".2" of "v1.2"


def safe_filename(filename: str, mime: str) -> str:
    """A display name: no folders, no control or direction characters, the extension of the real type.

    ``"../../Mietvertrag\u202efdp.exe"`` sent as a PNG becomes ``"Mietvertragfdp.png"``.
    """
    ext = EXTENSIONS[mime]
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE.sub("_", name)
    name = " ".join(name.split())
    name = _SUFFIX.sub("", name).strip(" .")
    stem = name[: MAX_NAME_CHARS - len(ext)].rstrip(" .") or "Dokument"
    return stem + ext


def _mb(size: int) -> float:
    """Megabytes with one decimal (``10.0``, ``12.4``); the sentence shows ``10`` and ``12,4``."""
    return round(size / (1024 * 1024), 1)
