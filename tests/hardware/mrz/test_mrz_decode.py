"""The score decoder: check-digit-guided choice between OCR alternatives, and refusal when in doubt."""

from __future__ import annotations

import numpy as np

from hardware.mrz.checkdigit import ALPHABET, check_digit
from hardware.mrz.decode import (
    contradicted,
    decode,
    disputed,
    leans_otherwise,
    outvoted,
    preferred,
    stroke_doubt,
)
from hardware.mrz.glyphs import templates
from hardware.mrz.layouts import TD1, TD3
from hardware.mrz.ocr import stroke_presence

TD3_LINES = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
DE_ID = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]


def scores_for(lines: list[str], base: float = 0.9, rest: float = 0.5) -> np.ndarray:
    text = "".join(lines)
    sc = np.full((len(text), len(ALPHABET)), rest, np.float32)
    for i, ch in enumerate(text):
        sc[i, ALPHABET.index(ch)] = base
    return sc


def test_clean_scores_decode() -> None:
    d, reason = decode(TD3, scores_for(TD3_LINES))
    assert reason == "ok" and d is not None and d.lines == TD3_LINES and d.edits == 0


def test_close_runner_up_fixes_a_check_digit() -> None:
    sc = scores_for(TD3_LINES)
    pos = 44 + 14  # birth date '0' in 740812: the OCR slightly prefers '8'
    sc[pos, ALPHABET.index("8")] = 0.91
    d, reason = decode(TD3, sc)
    assert reason == "ok" and d is not None and d.lines == TD3_LINES and d.edits == 1


def test_confident_wrong_digit_is_refused() -> None:
    sc = scores_for(TD3_LINES)
    pos = 44 + 14
    sc[pos, ALPHABET.index("8")] = 0.99  # far more likely than the truth: no silent fix, no read
    d, reason = decode(TD3, sc)
    assert d is None and reason == "checks"


def test_g_versus_6_in_german_number_is_ambiguous() -> None:
    # 'G' (16) and '6' differ by 10: the check digit holds either way, so only the OCR can decide.
    number = "T2G000129"
    l1 = "IDD<<" + number + check_digit(number) + "<" * 15
    l2 = DE_ID[1][:29] + check_digit(l1[5:30] + DE_ID[1][0:7] + DE_ID[1][8:15] + DE_ID[1][18:29])
    lines = [l1, l2, DE_ID[2]]
    six = lines[0][:7] + "6" + lines[0][8:]
    assert check_digit(six[5:14]) == check_digit(number)  # the composite uses the same weights: no help either
    sc = scores_for(lines)
    sc[7, ALPHABET.index("6")] = 0.895
    d, reason = decode(TD1, sc)
    assert d is None and reason == "uncertain"  # G and 6 are check-digit twins: judged like a name character
    sc[7, ALPHABET.index("6")] = 0.6  # a clear OCR decision is accepted
    d, reason = decode(TD1, sc)
    assert d is not None and d.lines[0] == lines[0]


def test_uncertain_name_character_is_refused() -> None:
    sc = scores_for(DE_ID)
    pos = 60 + 1  # 'U' of MUSTERMANN; no check digit covers names
    sc[pos, ALPHABET.index("V")] = 0.89
    d, reason = decode(TD1, sc)
    assert d is None and reason == "uncertain"


def test_weak_or_wrong_shape_scores_are_refused() -> None:
    assert decode(TD1, scores_for(DE_ID, base=0.3, rest=0.1))[0] is None
    assert decode(TD1, scores_for(TD3_LINES))[1] == "shape"


def test_twin_in_optional_data_needs_a_clear_margin() -> None:
    # TD1 optional data is only covered by the composite digit; Q (26) for G (16) leaves every check intact.
    l1 = "I<UTOD231458907GQ<<<<<<<<<<<<<"
    l2 = "7408122F1204159UTO<<<<<<<<<<<"
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    lines = [l1, l2, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
    sc = scores_for(lines)
    assert decode(TD1, sc)[1] == "ok"
    sc[15, ALPHABET.index("Q")] = 0.88  # the OCR barely prefers G
    assert decode(TD1, sc) == (None, "uncertain")


def test_recognisers_must_agree_where_checks_are_weak() -> None:
    sc = scores_for(DE_ID)
    zncc, mlp = sc.copy(), sc.copy()
    d, reason = decode(TD1, sc, opinions=(zncc, mlp))
    assert reason == "ok" and d is not None and d.lines == DE_ID
    mlp[61, ALPHABET.index("V")] = 0.95  # one recogniser reads MVSTERMANN
    assert decode(TD1, sc, opinions=(zncc, mlp)) == (None, "disagree")
    # two '<' read as '5' in optional data 2 cancel in the composite (5*7 + 5*3 = 50): agreement is required there
    l2 = DE_ID[1]
    bad = l2[:18] + "5" + l2[19] + "5" + l2[21:]
    assert check_digit(DE_ID[0][5:30] + bad[0:7] + bad[8:15] + bad[18:29]) == l2[29]
    lines = [DE_ID[0], bad, DE_ID[2]]
    sc2 = scores_for(lines)
    zncc2 = sc2.copy()
    zncc2[30 + 18, ALPHABET.index("<")] = 0.95
    assert decode(TD1, sc2, opinions=(zncc2, sc2.copy()))[0] is None


def test_hesitant_template_match_is_not_outvoted() -> None:
    # the combined score is clear, but the ZNCC alone barely prefers the letter: no read of an unchecked name
    sc = scores_for(DE_ID)
    zncc, mlp = sc.copy(), sc.copy()
    zncc[61, ALPHABET.index("V")] = 0.89  # U vs V: ZNCC margin 0.01
    assert decode(TD1, sc, opinions=(zncc, mlp)) == (None, "uncertain")
    zncc[61, ALPHABET.index("V")] = 0.8
    assert decode(TD1, sc, opinions=(zncc, mlp))[1] == "ok"


def _td3_with_number(number: str) -> list[str]:
    line2 = number + check_digit(number) + TD3_LINES[1][10:]
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return [TD3_LINES[0], line2[:43] + check_digit(composite)]


def test_an_edit_must_not_cancel_a_second_doubtful_cell() -> None:
    # Seen on a generated frame: document number SKE0NKGI0 with O read for 0 at position 3 (weight 7, +168) and
    # 0 at position 8 nearly read as O or C: the edit 'C' (+12) made the check digit hold for a wrong number.
    lines = _td3_with_number("SKE0NKGI0")
    sc = scores_for(lines)
    row = 44
    sc[row + 3, ALPHABET.index("O")], sc[row + 3, ALPHABET.index("0")] = 0.879, 0.843
    sc[row + 8, ALPHABET.index("O")], sc[row + 8, ALPHABET.index("C")] = 0.863, 0.827
    sc[row + 8, ALPHABET.index("0")] = 0.80
    d, reason = decode(TD3, sc)
    assert d is None and reason == "ambiguous"
    # one doubtful cell under that check digit: the check digit may still pick the runner-up there
    sc[row + 3, ALPHABET.index("O")] = 0.5
    sc[row + 8, ALPHABET.index("0")] = 0.84
    d, reason = decode(TD3, sc)
    assert reason == "ok" and d is not None and d.lines == lines and d.edits == 1


def test_thin_read_outvoted_by_other_reads_is_refused() -> None:
    # Seen on a development frame: a TD2-like optional-data G read as its twin Q (margin 0.042) at the sixth band
    # length, after eight reads of the same band that all saw G.
    l1 = "I<UTOD231458907GQ<<<<<<<<<<<<<"
    l2 = "7408122F1204159UTO<<<<<<<<<<<"
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    lines = [l1, l2, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
    wrong = [l1[:15] + "QQ" + l1[17:], l2, lines[2]]
    sc = scores_for(wrong)
    sc[15, ALPHABET.index("G")] = 0.86  # the accepted read barely prefers Q
    earlier = [scores_for(lines) for _ in range(3)]
    assert outvoted(TD1, wrong, sc, earlier)
    assert not outvoted(TD1, wrong, sc, [scores_for(wrong) for _ in range(3)])
    assert not outvoted(TD1, wrong, scores_for(wrong), earlier)  # a clear read stands on its own
    slipped = [scores_for(["<" * 30, "<" * 30, "<" * 30])]  # another grid: no vote
    assert not outvoted(TD1, wrong, sc, slipped)


def test_other_warp_contradicting_an_unchecked_cell_vetoes() -> None:
    # Seen on a development frame: the plain warp read JUERGEN as JUERGFN (both recognisers), the refitted warp's
    # classifier saw the E.
    wrong = [DE_ID[0], DE_ID[1], "MUSTFRMANN<<ERIKA<<<<<<<<<<<<<"]
    sib = scores_for(DE_ID)
    parts = np.stack([scores_for(wrong), sib])  # template match agrees with the read, the classifier does not
    assert contradicted(TD1, wrong, [(scores_for(wrong), parts)])
    agree = np.stack([scores_for(wrong), scores_for(wrong)])
    assert not contradicted(TD1, wrong, [(scores_for(wrong), agree)])


def test_the_cell_reader_disputes_a_line_read_only_when_every_aligned_read_does() -> None:
    # held-out frame 71459: the line models read KAYA as KATA; the cell reader preferred Y in all its reads
    right = [DE_ID[0], DE_ID[1], "KAYA<<ERIKA<<<<<<<<<<<<<<<<<<<"]
    wrong = [DE_ID[0], DE_ID[1], "KATA<<ERIKA<<<<<<<<<<<<<<<<<<<"]
    sees_y = scores_for(right)
    sees_y[62, ALPHABET.index("T")] = 0.8  # T second, 0.1 behind
    assert disputed(TD1, wrong, [sees_y] * 3)
    assert not disputed(TD1, wrong, [sees_y] * 2)  # too few reads to call it consistent
    assert not disputed(TD1, wrong, [sees_y, sees_y, scores_for(wrong)])  # one read sees the T
    assert not disputed(TD1, right, [sees_y] * 3)
    close = scores_for(right)
    close[62, ALPHABET.index("T")] = 0.87  # Y ahead by 0.03 only: not enough to overrule two models
    assert not disputed(TD1, wrong, [close] * 3)
    slipped = scores_for(["<" * 30] * 3)  # another grid: no opinion
    assert not disputed(TD1, wrong, [sees_y, sees_y, slipped])
    # protected cells only count where the check digit cannot see the change (twins), as elsewhere
    digit = scores_for(DE_ID)
    digit[0 * 30 + 5, ALPHABET.index("T")] = 0.5
    digit[0 * 30 + 5, ALPHABET.index("K")] = 0.95  # K is no twin of T (20 vs 29): the check digit would see it
    assert not disputed(TD1, DE_ID, [digit] * 3)


def test_the_cell_reader_prefers_another_text_when_most_aligned_reads_pick_it() -> None:
    # fresh frame 151913: the cell reader chose H in 9 of its 13 aligned reads of a name the models read as NUBER,
    # by margins far too thin for ``disputed``; ``preferred`` only asks which way it leans
    right = [DE_ID[0], DE_ID[1], "HUBER<<ERIKA<<<<<<<<<<<<<<<<<<"]
    wrong = [DE_ID[0], DE_ID[1], "NUBER<<ERIKA<<<<<<<<<<<<<<<<<<"]
    leans_h = scores_for(wrong)
    leans_h[60, ALPHABET.index("H")] = 0.91  # H ahead of N by 0.01
    sees_n = scores_for(wrong)
    assert preferred(TD1, wrong, right, [leans_h, leans_h, sees_n])
    assert not preferred(TD1, wrong, right, [leans_h, sees_n])  # a tie is no majority
    assert not preferred(TD1, wrong, right, [leans_h, sees_n, sees_n])
    assert not preferred(TD1, right, wrong, [leans_h] * 3)  # it leans to the text itself
    slipped = scores_for(["<" * 30] * 3)  # another grid: no opinion, and not counted
    assert preferred(TD1, wrong, right, [leans_h, slipped, slipped])
    assert not preferred(TD1, wrong, right, [slipped] * 3)  # no aligned read: no witness
    # two cells: the reads must pick both of the other text's characters
    both = [DE_ID[0], DE_ID[1], "HUBEP<<ERIKA<<<<<<<<<<<<<<<<<<"]
    assert not preferred(TD1, wrong, both, [leans_h] * 3)


def test_the_cell_reader_leans_otherwise_where_most_aligned_reads_pick_another_unchecked_character() -> None:
    text = [DE_ID[0], DE_ID[1], "NOWAK<<YUSUE<MIA<<<<<<<<<<<<<<"]
    sees_f = scores_for([DE_ID[0], DE_ID[1], "NOWAK<<YUSUF<MIA<<<<<<<<<<<<<<"])
    sees_e = scores_for(text)
    assert leans_otherwise(TD1, text, [sees_f, sees_f, sees_e])
    assert not leans_otherwise(TD1, text, [sees_f, sees_e])  # half is no majority
    assert not leans_otherwise(TD1, text, [sees_e] * 3)
    assert not leans_otherwise(TD1, text, [])
    # a cell a check digit covers is the check digit's business (the document number's T read as K)
    number = scores_for(text)
    number[5, ALPHABET.index("K")] = 0.95
    assert not leans_otherwise(TD1, text, [number] * 3)


def _cells_for(lines: list[str], faint: dict[int, float] | None = None) -> np.ndarray:
    """Cell windows (grey 0-255) rendered from the templates; ``faint`` blends a cell's E bottom bar towards
    paper (0 = as inked as the other strokes, 1 = gone, i.e. an F)."""
    t = templates()[1] * 255.0
    cells = np.stack([t[ALPHABET.index(c)] for c in "".join(lines)])
    for pos, f in (faint or {}).items():
        e, fl = t[ALPHABET.index("E")], t[ALPHABET.index("F")]
        cells[pos] = e + f * (fl - e)
    return cells


def test_stroke_presence_measures_the_distinguishing_stroke() -> None:
    t = templates()[1] * 255.0
    e, f = ALPHABET.index("E"), ALPHABET.index("F")
    p_e, e_fuller = stroke_presence(t[e], e, f)
    p_f, _ = stroke_presence(t[f], f, e)
    p_faint, _ = stroke_presence(0.4 * t[e] + 0.6 * t[f], f, e)  # the bar at 40 % of the ink of the others
    assert e_fuller and p_e > 0.8 and p_f < 0.1 and 0.3 < p_faint < 0.5
    assert stroke_presence(t[e], e, ALPHABET.index("N")) is None  # not a glyph plus strokes


def test_thin_read_with_a_faintly_inked_stroke_is_refused() -> None:
    lines = [*DE_ID[:2], "MUSTERMANN<<JUERGFN<<<<<<<<<<<"]
    pos = 60 + 17  # the F of JUERGFN: a faint E bottom bar (development frame 94)
    sc = scores_for(lines)
    sc[pos, ALPHABET.index("E")] = 0.855  # runner-up 0.045 behind: the margin rules let it pass
    assert decode(TD1, sc)[1] == "ok"
    assert stroke_doubt(TD1, lines, sc, _cells_for(lines, {pos: 0.6}))  # faintly inked: neither E nor F
    assert not stroke_doubt(TD1, lines, sc, _cells_for(lines, {pos: 1.0}))  # clearly blank: an F
    sc[pos, ALPHABET.index("E")] = 0.5  # a clear margin: no ink measured
    assert not stroke_doubt(TD1, lines, sc, _cells_for(lines, {pos: 0.6}))
