"""The image pipeline on generated webcam frames: accuracy floor, and no wrong result on bad input."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import cv2
import numpy as np
import pytest

from hardware.mrz import read_mrz
from hardware.mrz.cli import main
from hardware.mrz.locate import Band, LineBlob
from hardware.mrz.reader import _line_extents, read_frame
from tests.mrzgen import make_sample
from tests.mrzgen.cards import render_card
from tests.mrzgen.identities import GIVEN, SURNAMES, UNSEEN_GIVEN, UNSEEN_SURNAMES, Identity, random_identity
from tests.mrzgen.scenes import background, pose_card


def _right(result, sample) -> bool:
    return result is not None and tuple(result.mrz) == sample.identity.lines


def test_accuracy_floor_clean_frames() -> None:
    samples = [make_sample(7000 + i, level="clean") for i in range(16)]
    results = [read_mrz(s.frame) for s in samples]
    right = sum(_right(r, s) for r, s in zip(results, samples, strict=True))
    wrong = sum(r is not None and not _right(r, s) for r, s in zip(results, samples, strict=True))
    assert wrong == 0
    assert right >= 14, f"only {right}/16 clean frames read"  # measured 16/16 (14/16 before the length retry)


@pytest.mark.slow
@pytest.mark.parametrize("names", ["list", "unseen"])
def test_accuracy_floor_webcam_frames(names: str) -> None:
    # "unseen": the same documents and conditions with names no training frame of the line models carried, so a
    # model that had learnt the generator's names would show here (thirteenth session: 1 000 frames of seed 81000
    # read 974 with the list's names, 976 with unseen ones)
    samples = [make_sample(8000 + i, level="webcam", names=names) for i in range(30)]
    results = [read_mrz(s.frame) for s in samples]
    right = sum(_right(r, s) for r, s in zip(results, samples, strict=True))
    wrong = sum(r is not None and not _right(r, s) for r, s in zip(results, samples, strict=True))
    assert wrong == 0
    assert right >= 25, f"only {right}/30 webcam frames read"  # 30/30 with either names (13th session)


def test_unseen_names_change_only_the_names() -> None:
    a, b = make_sample(8001, level="webcam"), make_sample(8001, level="webcam", names="unseen")
    assert a.conditions == b.conditions and a.identity.document_number == b.identity.document_number
    assert a.identity.surname != b.identity.surname
    assert not set(UNSEEN_SURNAMES) & set(SURNAMES) and not set(UNSEEN_GIVEN) & set(GIVEN)


def test_no_document() -> None:
    rng = random.Random(1)
    assert read_mrz(np.zeros((480, 640, 3), np.uint8)) is None
    assert read_mrz(np.full((720, 1280, 3), 255, np.uint8)) is None
    noise = np.random.default_rng(2).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    assert read_mrz(noise) is None
    assert read_mrz(background(rng, 1280, 720)) is None


def _frame_of(identity: Identity, seed: int, mutate=None) -> np.ndarray:
    rng = random.Random(seed)
    card = render_card(identity, rng)
    if mutate is not None:
        mutate(card)
    H = pose_card(rng, card, 1280, 720, 5.5, max_angle=4, max_persp=0.01)
    return cv2.warpPerspective(card.image, H, (1280, 720), borderMode=cv2.BORDER_TRANSPARENT,
                               dst=background(rng, 1280, 720))


def _readable(kind: str, start: int) -> tuple[Identity, int]:
    """An identity and pose seed whose intact frame is read, so that a refusal below is due to the defect."""
    for seed in range(start, start + 20):
        ident = random_identity(random.Random(seed), kind)
        if read_mrz(_frame_of(ident, seed)) is not None:
            return ident, seed
    raise AssertionError("no readable card")


def test_half_an_mrz() -> None:
    ident, seed = _readable("TD1", 300)

    def cover_last_line(card) -> None:
        q = card.mrz_quad
        y = int(q[0, 1] + (q[3, 1] - q[0, 1]) * 0.68)
        card.image[y:, :] = card.image[5, 5]

    def cover_right_half(card) -> None:
        q = card.mrz_quad
        x = int((q[0, 0] + q[1, 0]) / 2)
        card.image[int(q[0, 1]) - 5:, x:] = card.image[5, 5]

    assert read_mrz(_frame_of(ident, seed, cover_last_line)) is None
    assert read_mrz(_frame_of(ident, seed, cover_right_half)) is None


def test_wrong_check_digit_is_never_reported() -> None:
    good, seed = _readable("TD3", 400)
    l2 = good.lines[1]
    bad_digit = str((int(l2[19]) + 3) % 10)  # birth date check digit
    bad = Identity(good.type, (good.lines[0], l2[:19] + bad_digit + l2[20:]), *list(good.__dict__.values())[2:])
    assert read_mrz(_frame_of(bad, seed)) is None


def test_upside_down_card_never_wrong() -> None:
    for seed in range(3):
        s = make_sample(9000 + seed, level="clean", max_angle=5)
        flipped = np.ascontiguousarray(s.frame[::-1, ::-1])
        r = read_mrz(flipped)
        assert r is None or tuple(r.mrz) == s.identity.lines


def test_feedback_band_and_frame_read() -> None:
    s = make_sample(7003, level="clean")
    fr = read_frame(s.frame)
    assert fr.band is not None
    # the detected band lies on the true MRZ
    assert np.abs(fr.band.quad.mean(axis=0) - s.mrz_quad.mean(axis=0)).max() < 15


def test_cli_output_format(tmp_path, capsys) -> None:
    s = make_sample(7001, level="clean")
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), s.frame[..., ::-1])
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(empty), np.full((480, 640, 3), 200, np.uint8))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    assert main([str(good), str(empty), str(broken)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["file"] for o in out] == [str(good), str(empty), str(broken)]
    assert out[0]["ok"] is True
    assert set(out[0]) == {"file", "ok", "type", "mrz", "document_number", "issuing_state", "nationality", "surname",
                           "given_names", "birth_date", "expiry_date", "sex", "ms"}
    assert out[0]["mrz"] == list(s.identity.lines) and out[0]["birth_date"] == s.identity.birth_date.isoformat()
    assert set(out[1]) == {"file", "ok", "ms"} and out[1]["ok"] is False
    assert out[2]["ok"] is False and "error" in out[2]
    assert main([]) == 2


def test_module_entry_point(tmp_path) -> None:
    path = tmp_path / "blank.png"
    cv2.imwrite(str(path), np.full((100, 100, 3), 255, np.uint8))
    proc = subprocess.run([sys.executable, "-m", "hardware.mrz", str(path)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0 and json.loads(proc.stdout)["ok"] is False


def test_line_extents_of_a_band_whose_lines_disagree() -> None:
    # seen on a benchmark frame: one line 443 px long (a mark beside its end), the other 369 px, the MRZ 365 px
    d = np.array([1.0, 0.0])
    long_line = LineBlob(np.array([236.0, 100.0]), d, 442.0, 10.0)
    short_line = LineBlob(np.array([200.0, 120.0]), d, 370.0, 10.0)
    band = Band((long_line, short_line), np.zeros((4, 2), np.float32))
    variants = _line_extents(band)
    assert [round(v.lines[1].length) for v in variants] == [442, 370]
    for v, ref in zip(variants, (long_line, short_line), strict=True):
        for ln, orig in zip(v.lines, band.lines, strict=True):
            assert ln.length == ref.length
            assert ln.center[0] == ref.center[0] and ln.center[1] == orig.center[1]  # moved along the line only
    even = Band((long_line, LineBlob(np.array([236.0, 120.0]), d, 440.0, 10.0)), band.quad)
    assert _line_extents(even) == []


def test_line_recogniser_vetoes_a_systematic_cell_misread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Held-out frame 7071: the cell reader reads every 0 of the document number 3AQ00QZTZ as O, and the two swaps
    (weights 7 and 3) leave the check digit intact; the line recogniser reads the band as the right, different
    valid MRZ, which refuses the cell read. Without that veto the frame is read wrong."""
    import hardware.mrz.reader as reader

    s = make_sample(7071, kind="TD3", size=(1280, 720), level="webcam")
    assert _right(read_frame(s.frame).result, s)
    monkeypatch.setattr(reader, "valid_read", lambda *a, **k: None)
    wrong = read_frame(s.frame).result
    assert wrong is not None and wrong.mrz[1].startswith("3AQOOQZTZ0")


def _veto_without_syntax(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same-length line veto as before the thirteenth session: plain line reads only."""
    import hardware.mrz.lines as lines
    import hardware.mrz.reader as reader

    plain = lines.valid_read
    monkeypatch.setattr(reader, "valid_read", lambda *a, constrain=False, **k: plain(*a, **k))


def test_the_veto_counts_a_line_read_the_syntax_makes_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh frame 91772 (TD2, 9.7 px pitch): the cell reader reads the document number H5B00KAZH as H5BOOKAZH
    (both recognisers O, 0.1 ahead; weights 7 and 3 cancel). The line recogniser reads 00, but also an expiry
    date's 0 as O, so only the syntax-constrained decode makes its read a valid MRZ. Counted, it vetoes the cell
    read; uncounted (the twelfth session's veto) the wrong number is reported. Since the fourteenth session the
    line models' plain reads at the other band lengths refuse it too (``lines.outnumbered``), so that rule is
    switched off to show this one's part."""
    import hardware.mrz.reader as reader

    s = make_sample(91772, kind="TD2", size=(1280, 720), level="webcam")
    result = read_frame(s.frame).result
    assert result is None or _right(result, s)
    monkeypatch.setattr(reader, "outnumbered", lambda lines, plain: False)
    assert (result := read_frame(s.frame).result) is None or _right(result, s)  # this rule alone refuses it
    _veto_without_syntax(monkeypatch)
    wrong = read_frame(s.frame).result
    assert wrong is not None and wrong.mrz[1].startswith("H5BOOKAZH7")


def test_a_thin_read_the_line_recogniser_reads_otherwise_at_every_length_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Held-out frame 21660 (a foreshortened card): both cell recognisers read KOWALSKI's O as Q, 0.065 ahead and
    so above every margin rule (names have no check digit); the line recogniser reads KOWALSKI at 3 band lengths
    (none at the read's own length, so the same-length veto above cannot see it). The read is refused.
    Since the thirteenth session the same-length veto sees it too (a read the syntax makes valid, see above), so
    both are switched off to show this rule's part."""
    import hardware.mrz.reader as reader

    s = make_sample(21660, kind="TD1", size=(1280, 720), level="webcam")
    result = read_frame(s.frame).result
    assert result is None or _right(result, s)
    _veto_without_syntax(monkeypatch)
    assert (result := read_frame(s.frame).result) is None or _right(result, s)  # this rule alone refuses it
    monkeypatch.setattr(reader, "_lines_agree_otherwise", lambda *a, **k: False)
    wrong = read_frame(s.frame).result
    assert wrong is not None and wrong.mrz[2].startswith("KQWALSKI<<BEN")


def test_a_thin_read_the_line_models_read_otherwise_more_often_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh frame 111450 (TD1 at 8.8 px pitch, 960x540): the cell reader reads KLEIN as KLLIN (its template
    recogniser L over E by 0.02, the classifier sure of L; two strokes apart, so no stroke-twin rule), thin but
    above the margins. No line model agrees on another text alone (the half model reads KLEIN and KLGIN once
    each), but together their plain reads favour KLEIN 5 to 0: refused."""
    import hardware.mrz.reader as reader

    s = make_sample(111450, kind="TD1", size=(960, 540), level="webcam")
    result = read_frame(s.frame).result
    assert result is None or _right(result, s)
    monkeypatch.setattr(reader, "outnumbered", lambda lines, plain: False)  # the rule before
    wrong = read_frame(s.frame).result
    assert wrong is not None and wrong.mrz[2].startswith("KLLIN<<LUKAS")


def test_a_td1_found_with_two_lines_is_read_with_the_third_added() -> None:
    """Fresh frame 121429 (TD1 at 11.9 px pitch): the fast detection finds two of the three lines, the fine one
    three with wrong lengths (332-381 px for an MRZ of 364); none of those bands reads, the two-line one completed
    to a TD1 does."""
    s = make_sample(121429, kind="TD1", size=(1280, 720), level="webcam")
    assert _right(read_frame(s.frame).result, s)


def test_a_band_whose_longer_line_ran_into_print_beside_the_card_is_read_at_the_other_line_s_extent() -> None:
    """Fresh frame 121289 (TD2 at 18.2 px pitch, clean): the second line runs into a poster's text beside the card
    on the same row (957 px for an MRZ of 611), too long to pair in the first passes; the late pass pairs it as a
    partial line and gives both lines its extent. The first line's own extent reads."""
    s = make_sample(121289, kind="TD2", size=(1280, 720), level="webcam")
    assert _right(read_frame(s.frame).result, s)


def test_a_name_each_line_model_misread_plainly_once_is_not_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh frame 141756 (TD1 at 9.7 px pitch, dark, motion blur): the cell reader refuses the frame; the three
    line models read LINA as LZNA - plainly once each, the half model twice more under the syntax - and the cell
    reader leans to Z too, so no rule but the evidence's thinness is left: one model must read a text plainly
    twice (``lines.supported``)."""
    import hardware.mrz.lines as lines
    import hardware.mrz.reader as reader

    s = make_sample(141756, kind="TD1", size=(1280, 720), level="webcam")
    result = read_frame(s.frame).result
    assert result is None or _right(result, s)
    monkeypatch.setattr(lines, "MIN_PLAIN_OWN", 1)  # the rule before
    assert read_frame(s.frame).result is None  # since the seventeenth session the contest rule refuses it too
    monkeypatch.setattr(reader, "_contested", lambda *a: False)
    wrong = read_frame(s.frame).result
    assert wrong is not None and wrong.mrz[2].startswith("MEYER<<NOAH<LZNA")


def test_a_line_result_a_model_and_the_cell_reader_both_read_otherwise_is_not_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh frame 151913 (TD2 at 10 px pitch, dark, blurred): all three line models read FISCHER<HUBER as
    FISCHER<NUBER plainly, 17 reads, so every vote rule passes. But the context model read the name line as HUBER
    3 times (its second line garbled, so no valid text) and the cell reader picked H in most of its aligned reads,
    by margins too thin to dispute: two recognisers see another valid text, and the result is contested."""
    import hardware.mrz.reader as reader

    s = make_sample(151913, kind="TD2", size=(1280, 720), level="webcam")
    result = read_frame(s.frame).result
    assert result is None or _right(result, s)
    monkeypatch.setattr(reader, "_contested", lambda *a: False)  # the rule before
    wrong = read_frame(s.frame).result
    assert wrong is not None and wrong.mrz[0].startswith("I<USAFISCHER<NUBER<<PAUL")


def test_a_line_text_without_a_clear_lead_in_the_plain_reads_is_not_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh frame 191813 (TD1 at 9.4 px pitch, glare): the line models read BECKER as RECKER plainly 10 times,
    BECKER 7 times and DECKER once, and the cell reader split 6 to 5; the rule before (no other text with more
    plain reads) reported RECKER. A line text now needs twice the plain reads of any other text
    (``lines.MIN_PLAIN_LEAD``)."""
    import hardware.mrz.lines as lines

    s = make_sample(191813, kind="TD1", size=(1280, 720), level="webcam")
    result = read_frame(s.frame).result
    assert result is None or _right(result, s)
    monkeypatch.setattr(lines, "MIN_PLAIN_LEAD", 1)  # the rule before
    wrong = read_frame(s.frame).result
    assert wrong is not None and wrong.mrz[2].startswith("RECKER<<PAUL<FELIX")


def test_a_read_the_check_digits_would_allow_read_otherwise_close_by_is_checked_by_the_line_models(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh frame 161407 (a clean TD3 at 12 px pitch): the cell reader reads the document number 8G7MAT00 as
    8G7MATOO - O over 0 by 0.034 and 0.042 at weights 7 and 3, which add 240 and keep the check digit. Every cell
    without a check digit is clear, so no line check ran, and the half model's veto read nothing valid at the
    read's length; the fine and context models read 00 at every length. A read whose scores allow another valid
    reading within 0.1 (``decode._rival``) is now checked by the line models like a thin one."""
    import hardware.mrz.decode as decode

    s = make_sample(161407, kind="TD3", size=(640, 480), level="webcam")
    result = read_frame(s.frame).result
    assert result is None or _right(result, s)
    monkeypatch.setattr(decode, "_rival", lambda *a, **k: float("inf"))  # the rule before
    wrong = read_frame(s.frame).result
    assert wrong is not None and wrong.mrz[1].startswith("8G7MATOO<4")
