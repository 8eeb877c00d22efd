"""What ``videoschalter-clerk --check`` tries inside the bundle, beyond "everything imports".

Each check uses the same code path as the app and returns one report line and whether it passed. A file the spec
forgot shows up here at build time (``build-msi.ps1`` stops on a failed ``--check``) instead of in front of a
citizen: the MRZ reader's OCR-B font and ``glyph_mlp.npz`` (without the model the reader would train itself for
minutes), the form definitions, QtPdf, and the font of the ID-copy stamp.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

# The ICAO 9303 specimen ID card's MRZ (TD1), as used in the tests.
SPECIMEN = ("IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<")
FORMS = {"meldebescheinigung", "anmeldung", "abmeldung", "fuehrungszeugnis", "bewohnerparkausweis"}


def _bundled(path: Path | str) -> str:
    """The path, marked if a frozen app found it outside its own folder (it would be missing on another PC)."""
    base = getattr(sys, "_MEIPASS", None)
    if base is None or Path(path).resolve().is_relative_to(Path(base).resolve()):
        return str(path)
    return f"{path} (NICHT aus dem Paket)"


def check_mrz() -> tuple[str, bool]:
    """Font and model from the bundle, then one real read of a rendered specimen MRZ in the ID check's worker."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    import numpy as np

    from clerk_app.id_check import _worker_init
    from hardware.mrz import read_mrz
    from hardware.mrz.classifier import SHIPPED_MODEL, model_path
    from hardware.mrz.glyphs import find_font, render_line
    from hardware.mrz.lines import MODELS, read_strips

    font, model = find_font(), model_path()
    if model != SHIPPED_MODEL or not model.is_file():
        return f"MRZ: Modell FEHLT (glyph_mlp.npz, gesucht: {SHIPPED_MODEL})", False
    for name, line_model in MODELS.items():
        if not line_model.path.is_file():
            return f"MRZ: Zeilenmodell FEHLT ({line_model.path.name}, gesucht: {line_model.path})", False
        # OpenCV's dnn module loads and runs the model
        read_strips([np.full((line_model.strip_h, line_model.strip_w), 200, np.float32)], name)
    rows = [render_line(line, 22.0, font)[0] for line in SPECIMEN]
    width = max(row.shape[1] for row in rows)
    page = np.full((sum(row.shape[0] for row in rows) + 400, width + 200), 255, np.uint8)
    top = 200
    for row in rows:
        page[top:top + row.shape[0], 100:100 + row.shape[1]] = row
        top += row.shape[0]
    # The read runs where the app runs it: in a spawned worker process (clerk_app/id_check.py), which in a
    # frozen build is this executable started again (multiprocessing.freeze_support in the launcher).
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"), initializer=_worker_init) as pool:
        result = pool.submit(read_mrz, np.dstack([page] * 3)).result(timeout=300)
    took = time.perf_counter() - started
    ok = result is not None and result.document_number == "T22000129"
    models = ", ".join(_bundled(p) for p in [model, *(m.path for m in MODELS.values())])
    line = f"MRZ: Schrift {_bundled(font)}, Modelle {models}, " \
        "Probelesung im Hintergrundprozess " + \
        (f"ok ({took:.1f} s)" if ok else "FEHLGESCHLAGEN")
    return line, ok and "NICHT" not in line


def check_forms() -> tuple[str, bool]:
    """All definitions load and localize; Babel has its CLDR data for every form language (the spec trims it)."""
    from babel import Locale, UnknownLocaleError

    from videoschalter.forms import LANGUAGES, localized
    from videoschalter.forms.loader import DEFAULT_FOLDER, load_forms

    forms = load_forms()
    no_cldr = []
    for lang in LANGUAGES:
        for form in forms.values():
            localized(form, lang)
        try:
            if not Locale.parse(lang).territories:
                no_cldr.append(lang)
        except (UnknownLocaleError, ValueError, OSError):
            no_cldr.append(lang)
    missing = sorted(FORMS - set(forms))
    line = f"Formulare: {len(forms)} aus {_bundled(DEFAULT_FOLDER)}, Sprachen {' '.join(LANGUAGES)}"
    line += f", FEHLEN: {', '.join(missing)}" if missing else ""
    line += f", CLDR-Daten FEHLEN: {', '.join(no_cldr)}" if no_cldr else ""
    return line, not missing and not no_cldr and "NICHT" not in line


def _tiny_pdf() -> bytes:
    """A one-page PDF written by hand (the bundle has no reportlab canvas to spare for this)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>"]
    stream = b"0 0 1 rg 20 20 160 60 re f"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def check_pdf() -> tuple[str, bool]:
    """QtPdf opens and renders a PDF, as the case panel's document viewer does."""
    from clerk_app.case_viewer import HAVE_PDF, PdfFile

    if not HAVE_PDF:
        return "PDF-Anzeige (QtPdf): FEHLT", False
    # No QGuiApplication: QtPdf renders without one, so --check also runs where there is no display.
    pdf = PdfFile(_tiny_pdf())
    image = pdf.render(0, dpi=72)
    blue = image.pixelColor(image.width() // 2, image.height() // 2).blue() > 200
    ok = pdf.pages == 1 and not image.isNull() and blue
    return f"PDF-Anzeige (QtPdf): {'ok' if ok else 'FEHLGESCHLAGEN'}", ok


def check_id_copy() -> tuple[str, bool]:
    """The stamp of an ID copy renders; which font it found (DejaVu, or Pillow's own as the fallback)."""
    import numpy as np

    from videoschalter.cases.id_copy import _font_file, id_copy_png

    png = id_copy_png(np.full((120, 200, 3), 200, np.uint8), dt.datetime(2026, 1, 1, 12, 0), 1)
    font = _font_file(False)
    return f"Ausweiskopie-Stempel: ok, Schrift {font or 'Pillow (eingebaut)'}", png.startswith(b"\x89PNG")


CHECKS: tuple[Callable[[], tuple[str, bool]], ...] = (check_mrz, check_forms, check_pdf, check_id_copy)


def run_checks() -> tuple[list[str], bool]:
    lines, all_ok = [], True
    for check in CHECKS:
        try:
            line, ok = check()
        except Exception as exc:  # a report line, not a traceback: this is what IT reads
            line, ok = f"{check.__name__}: FEHLER {type(exc).__name__}: {exc}", False
        lines.append(line)
        all_ok = all_ok and ok
    return lines, all_ok
