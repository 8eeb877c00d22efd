"""Signature strokes from the browser or the tablet: garbage is refused in German, good strokes become a PNG."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from videoschalter.cases.strokes import (
    MAX_POINTS,
    StrokesRefused,
    render_png,
    signature_record,
    strokes_sha256,
    validate_strokes,
)
from videoschalter.cases.texts import ENGLISH

W, H = 600, 200
HASH = hashlib.sha256(b"Meldebescheinigung v3").hexdigest()
AT = dt.datetime(2026, 11, 23, 11, 45, tzinfo=dt.UTC)


def scribble() -> list[list[list[float]]]:
    first = [[20 + i * 5, 100 + (i % 7) * 6, i * 16, 0.4 + (i % 5) / 10] for i in range(60)]
    second = [[400 + i, 60 + i, 2000 + i * 16, 0.8] for i in range(40)]
    return [first, second, [[550, 150, 3000, 0.5]]]  # the last one is a dot (an i-dot, a tap)


def test_valid_strokes_come_back_as_tuples():
    strokes = validate_strokes(scribble(), W, H)
    assert len(strokes) == 3 and len(strokes[0]) == 60
    assert strokes[0][1] == (25.0, 106.0, 16, 0.5)
    assert all(isinstance(p[2], int) for s in strokes for p in s)


def test_points_on_the_border_are_inside():
    assert validate_strokes([[[0, 0, 0, 0], [W, H, 1, 1]]], W, H)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "leer"),
        (None, "leer"),
        ("strokes", "leer"),
        ([[]], "Strich 1 der Unterschrift ist leer"),
        ([[[1, 2, 3]]], "erwartet \\[x, y, Zeit in ms, Druck\\]"),
        ([[[1, 2, 3, 0.5, 9]]], "erwartet"),
        ([[[1, "2", 3, 0.5]]], "keine Zahl|anderes als eine Zahl"),
        ([[[True, 2, 3, 0.5]]], "anderes als eine Zahl"),
        ([[[float("nan"), 2, 3, 0.5]]], "ungültige Zahl"),
        ([[[float("inf"), 2, 3, 0.5]]], "ungültige Zahl"),
        ([[[10**400, 2, 3, 0.5]]], "anderes als eine Zahl"),
        ([[[W + 1, 2, 3, 0.5]]], "außerhalb"),
        ([[[-0.1, 2, 3, 0.5]]], "außerhalb"),
        ([[[1, 2, 3, 1.5]]], "Druck"),
        ([[[1, 2, -1, 0.5]]], "Zeit"),
        ([[[1, 2, 10, 0.5], [2, 3, 9, 0.5]]], "rückwärts"),
        ([[[1, 2, 0, 0.5]] * (MAX_POINTS + 1)], "zu viele Punkte"),
        ([[[1, 2, 0, 0.5]] * 5000, [[1, 2, 0, 0.5]] * 5001], "zu viele Punkte"),
    ],
)
def test_bad_strokes_are_refused_with_a_german_sentence(raw, message):
    with pytest.raises(StrokesRefused, match=message) as info:
        validate_strokes(raw, W, H)
    assert isinstance(info.value, ValueError) and info.value.code == "bad_signature"
    assert info.value.template in ENGLISH and info.value.localized("en") != info.value.message


def test_refusal_in_english_names_the_point():
    with pytest.raises(StrokesRefused) as info:
        validate_strokes([[[1, 1, 0, 0.5]], [[1, 1, 0, 0.5], [1, 1, 5, 2]]], W, H)
    assert info.value.message == "Strich 2, Punkt 2: der Druck muss zwischen 0 und 1 liegen."
    assert info.value.localized("en") == "Stroke 2, point 2: the pressure must be between 0 and 1."


@pytest.mark.parametrize(("width", "height"), [(49, 200), (600, 4001), (600.0, 200), (True, 200), ("600", 200)])
def test_canvas_size_is_checked(width, height):
    with pytest.raises(StrokesRefused, match="Unterschriftenfelds") as info:
        validate_strokes([[[1, 1, 0, 0.5]]], width, height)
    assert info.value.template in ENGLISH


def test_time_may_restart_between_strokes():
    assert len(validate_strokes([[[1, 1, 500, 0.5]], [[2, 2, 100, 0.5]]], W, H)) == 2


json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=3),
                                                                                                   inner, max_size=3),
                          max_leaves=40)
number = st.integers(-10, 5000) | st.floats(allow_nan=True, allow_infinity=True)
almost_points = st.lists(st.lists(number, min_size=0, max_size=5), max_size=20)
almost_strokes = st.lists(almost_points, max_size=6)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(raw=json_value | almost_strokes, width=st.integers(0, 5000) | json_leaf, height=st.integers(0, 5000))
def test_garbage_never_crashes_only_value_error(raw, width, height):
    try:
        strokes = validate_strokes(raw, width, height)
    except ValueError as exc:
        assert str(exc)
        return
    # whatever passes is within the canvas and renders
    assert strokes and all(0 <= x <= width and 0 <= y <= height and 0 <= p <= 1 for s in strokes for x, y, _, p in s)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(st.floats(0, 120), st.floats(0, 80), st.integers(0, 49), st.floats(0, 1)),
                         min_size=1, max_size=30), min_size=1, max_size=5))
def test_any_valid_strokes_render(points):
    raw = [[[x, y, i * 50 + t, p] for i, (x, y, t, p) in enumerate(stroke)] for stroke in points]  # t rises
    strokes = validate_strokes(raw, 120, 80)
    image = Image.open(io.BytesIO(render_png(strokes, 120, 80)))
    assert image.size == (120, 80) and image.mode == "LA"


def test_png_is_black_ink_on_transparent_and_deterministic():
    strokes = validate_strokes(scribble(), W, H)
    data = render_png(strokes, W, H)
    assert data == render_png(strokes, W, H)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (W, H)
    lum, alpha = image.split()
    assert lum.getextrema() == (0, 0)  # black ink only
    assert alpha.getpixel((5, 5)) == 0  # paper is transparent
    assert alpha.getpixel((25, 106)) > 200  # on the first stroke
    assert alpha.getpixel((550, 150)) > 200  # the dot


def test_pressure_makes_lines_wider():
    light = [[[50, 100, 0, 0.0], [550, 100, 100, 0.0]]]
    heavy = [[[50, 100, 0, 1.0], [550, 100, 100, 1.0]]]

    def inked(raw):
        alpha = Image.open(io.BytesIO(render_png(validate_strokes(raw, W, H), W, H))).split()[1]
        return sum(1 for v in alpha.tobytes() if v > 128)

    assert inked(heavy) > 2 * inked(light)


def test_signature_record_binds_the_document_hash():
    strokes = validate_strokes(scribble(), W, H)
    record = signature_record(strokes, W, H, HASH, AT)
    assert record["document_hash"] == HASH
    assert record["signed_at"] == "2026-11-23T11:45:00+00:00"
    assert (record["width"], record["height"]) == (W, H)
    assert record["stroke_count"] == 3 and record["point_count"] == 101
    assert record["duration_ms"] == 3000
    png = render_png(strokes, W, H)
    assert record["png_sha256"] == hashlib.sha256(png).hexdigest()
    assert signature_record(strokes, W, H, HASH, AT, png=png) == record
    assert record["strokes_sha256"] == strokes_sha256(strokes, W, H)
    assert record["strokes"][2] == [[550.0, 150.0, 3000, 0.5]]
    import json

    assert json.loads(json.dumps(record)) == record  # JSON-ready


def test_strokes_hash_changes_with_any_point():
    strokes = validate_strokes(scribble(), W, H)
    moved = [list(s) for s in strokes]
    moved[0][0] = (21.0, 100.0, 0, 0.4)
    assert strokes_sha256(strokes, W, H) != strokes_sha256(moved, W, H)


@pytest.mark.parametrize("bad", ["", "abc", HASH.upper(), HASH[:-1], HASH + "0"])
def test_signature_record_needs_a_sha256_hex(bad):
    with pytest.raises(ValueError, match="SHA-256"):
        signature_record(validate_strokes(scribble(), W, H), W, H, bad, AT)


def test_signature_record_needs_an_aware_time():
    with pytest.raises(ValueError, match="Zeitzone"):
        signature_record(validate_strokes(scribble(), W, H), W, H, HASH, AT.replace(tzinfo=None))
