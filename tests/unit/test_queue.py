"""Queue order and ticket transitions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videoschalter.domain.queue import (
    TRANSITIONS,
    QueueEntry,
    TicketState,
    TransitionError,
    check_transition,
    positions,
    waiting_order,
)


def test_positions_follow_join_order_and_skip_called() -> None:
    entries = [QueueEntry(5, 5, TicketState.WAITING), QueueEntry(2, 2, TicketState.CALLED),
               QueueEntry(9, 9, TicketState.WAITING), QueueEntry(3, 3, TicketState.WAITING)]
    assert waiting_order(entries) == [3, 5, 9]
    assert positions(entries) == {3: 1, 5: 2, 9: 3}


def test_finished_tickets_cannot_come_back() -> None:
    for final in (TicketState.DONE, TicketState.CANCELLED, TicketState.NO_SHOW):
        for other in TicketState:
            with pytest.raises(TransitionError):
                check_transition(final, other)


def test_a_call_that_fails_returns_to_waiting() -> None:
    check_transition("called", "waiting")
    with pytest.raises(TransitionError):
        check_transition("waiting", "done")


@given(st.lists(st.tuples(st.integers(0, 1000), st.sampled_from(list(TicketState))), unique_by=lambda t: t[0]))
def test_positions_are_1_to_n_without_gaps(items: list[tuple[int, TicketState]]) -> None:
    entries = [QueueEntry(i, i, s) for i, s in items]
    places = positions(entries)
    assert sorted(places.values()) == list(range(1, len(places) + 1))
    assert set(places) == {i for i, s in items if s == TicketState.WAITING}


def test_every_state_has_transition_rules() -> None:
    assert set(TRANSITIONS) == set(TicketState)
