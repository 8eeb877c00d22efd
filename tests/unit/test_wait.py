"""Estimated wait from recent real conversation lengths."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import videoschalter.domain.wait as wait_module
from videoschalter.domain.wait import DEFAULT_SERVICE_S, RECENT, estimate_wait, round_for_display
from videoschalter.i18n import catalog

MIN = 60.0


def test_without_history_the_default_is_used() -> None:
    estimate = estimate_wait([], people_ahead=2, clerks_available=1)
    assert not estimate.from_history and estimate.per_person_s == DEFAULT_SERVICE_S
    assert estimate.seconds == 2 * DEFAULT_SERVICE_S


def test_median_of_recent_durations_times_people_ahead_over_clerks() -> None:
    durations = [8 * MIN, 12 * MIN, 10 * MIN, 95 * MIN]  # one interpreter case must not dominate
    estimate = estimate_wait(durations, people_ahead=3, clerks_available=2)
    assert estimate.from_history and estimate.per_person_s == 11 * MIN
    assert estimate.seconds == 11 * MIN * 3 / 2  # 16.5 min
    assert estimate.minutes == 20  # shown in five-minute steps, rounded up


def test_implausible_durations_are_ignored_and_only_the_recent_ones_count() -> None:
    assert estimate_wait([5.0, 6 * 3600.0], 1, 1).from_history is False
    old, new = [30 * MIN] * 100, [6 * MIN] * RECENT
    assert estimate_wait(old + new, 1, 1).per_person_s == 6 * MIN


def test_next_in_line_and_nobody_on_duty() -> None:
    next_up = estimate_wait([10 * MIN], people_ahead=0, clerks_available=1)
    assert next_up.minutes == 0 and next_up.text() == "Sie sind als Nächstes an der Reihe."
    assert next_up.text("en") == "You are next."
    nobody = estimate_wait([10 * MIN], people_ahead=2, clerks_available=0)
    assert nobody.no_clerk and "niemand im Dienst" in nobody.text()


def test_display_texts() -> None:
    assert estimate_wait([7 * MIN], 1, 1).text() == "Geschätzte Wartezeit: etwa 7 Minuten"
    assert estimate_wait([7 * MIN], 1, 1).text("en") == "Estimated wait: about 7 minutes"
    assert estimate_wait([50.0], 1, 1).text() == "Geschätzte Wartezeit: etwa 1 Minute"


def test_rounding() -> None:
    assert [round_for_display(s) for s in (0, 1, 60, 61, 9 * MIN, 9 * MIN + 1, 11 * MIN, 15 * MIN)] == [
        0, 1, 1, 2, 9, 10, 15, 15,
    ]


@settings(max_examples=200, deadline=None, database=None)
@given(
    durations=st.lists(st.floats(30, 3 * 3600), max_size=40),
    ahead=st.integers(0, 50),
    clerks=st.integers(1, 10),
)
def test_estimate_grows_with_the_queue_and_is_never_shown_too_low(
    durations: list[float], ahead: int, clerks: int
) -> None:
    estimate = estimate_wait(durations, ahead, clerks)
    assert estimate.minutes * 60 >= estimate.seconds - 1e-6
    assert estimate_wait(durations, ahead + 1, clerks).seconds >= estimate.seconds
    assert estimate_wait(durations, ahead, clerks + 1).seconds <= estimate.seconds


def test_every_wait_text_has_an_english_translation() -> None:
    tree = ast.parse(Path(wait_module.__file__).read_text("utf-8"))
    texts = {
        c.args[0].value for c in ast.walk(tree)
        if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "_" and isinstance(c.args[0], ast.Constant)
    }
    assert len(texts) == 4 and all(t in catalog("en") for t in texts)
