"""The OCR-B fonts ship with the reader: Windows clerk machines have no fonts-ocr-b."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pytest

from hardware.mrz import glyphs, train
from hardware.mrz.lines import MODELS

ROOT = Path(__file__).resolve().parents[3]
SYSTEM = Path("/usr/share/fonts/opentype/ocr-b")


def test_packaged_font_comes_before_the_system_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(glyphs.FONT_ENV, raising=False)
    assert Path(glyphs.find_font()) == glyphs.PACKAGED_FONT_DIR / "OCRB.otf"
    assert [Path(p).name for p in train.training_fonts()] == ["OCRB.otf", "OCRBS.otf"]


def test_env_var_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    font = tmp_path / "mine.otf"
    font.write_bytes((glyphs.PACKAGED_FONT_DIR / "OCRB.otf").read_bytes())
    monkeypatch.setenv(glyphs.FONT_ENV, str(font))
    assert glyphs.find_font() == str(font)


@pytest.mark.skipif(not SYSTEM.is_dir(), reason="fonts-ocr-b not installed")
@pytest.mark.parametrize("name", ["OCRB.otf", "OCRBS.otf"])
def test_packaged_fonts_are_debians_files(name: str) -> None:
    # Same bytes, so the shipped classifier (trained from these files) and the templates match either way.
    assert (glyphs.PACKAGED_FONT_DIR / name).read_bytes() == (SYSTEM / name).read_bytes()


def test_fonts_and_weights_are_package_data() -> None:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = cfg["tool"]["setuptools"]["package-data"]["hardware.mrz"]
    mrz = ROOT / "hardware" / "mrz"
    weights = [mrz / "glyph_mlp.npz", *(m.path for m in MODELS.values())]
    for f in [*weights, *(glyphs.PACKAGED_FONT_DIR).glob("*.otf"), glyphs.PACKAGED_FONT_DIR / "README.md"]:
        assert f.is_file()
        assert any(fnmatch(f.relative_to(mrz).as_posix(), p) for p in patterns), f
    spec = (ROOT / "packaging" / "pyinstaller.spec").read_text("utf-8")
    assert all(f'"{f.name}"' in spec for f in weights) and '"fonts"' in spec


def test_templates_render_from_the_packaged_font() -> None:
    t = glyphs.templates(str(glyphs.PACKAGED_FONT_DIR / "OCRB.otf"))
    assert t.shape[1:] == (37, glyphs.CELL_H, glyphs.PITCH)
    assert float(t[0].min()) < 0.2  # ink present in the plain variant


def test_motion_templates_smear_the_plain_glyphs() -> None:
    base = glyphs.templates()[1]
    motion = glyphs.motion_templates()
    assert motion.shape == (len(glyphs.MOTION_ANGLES), *base.shape)
    i = glyphs.ALPHABET.index("I")
    # a horizontal smear widens the vertical stroke of I; a vertical one leaves its column profile alone
    ink = 1 - motion[:, i]
    assert (ink[0].sum(axis=0) > 0.05).sum() > (ink[2].sum(axis=0) > 0.05).sum()
    assert np.allclose(ink.sum(axis=(1, 2)), (1 - base[i]).sum(), rtol=0.1)  # ink is moved, not added
