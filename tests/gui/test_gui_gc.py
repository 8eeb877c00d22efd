"""Cycles are collected in the GUI thread only (clerk_app.gui_gc)."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from clerk_app.gui_gc import GuiThreadGc, collect_due


class Node:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collections() -> Iterator[list[tuple[bool, int]]]:
    """(in the main thread?, generation) of every collection while the test runs."""
    seen: list[tuple[bool, int]] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append((threading.current_thread() is threading.main_thread(), info["generation"]))

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


@pytest.fixture
def gc_enabled() -> Iterator[None]:
    """Automatic collection on, as in the app before the collector starts (the suite runs with it off)."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_collect_due_takes_the_oldest_generation_past_its_threshold() -> None:
    old = gc.get_threshold()
    try:
        gc.collect()
        gc.set_threshold(10**6, 10**6, 10**6)
        assert collect_due() is None
        gc.set_threshold(1, 10**6, 10**6)
        kept = [[] for _ in range(50)]  # live containers count; freed ones count back down
        assert collect_due() == 0
        gc.set_threshold(1, 0, 10**6)  # a threshold of 0 never triggers, as in CPython
        kept += [[] for _ in range(50)]
        assert collect_due() == 0
    finally:
        gc.set_threshold(*old)


def test_a_thread_allocating_never_collects_but_the_gui_timer_does(qtbot: QtBot, gc_enabled: None,
                                                                 collections: list[tuple[bool, int]]) -> None:
    collector = GuiThreadGc(interval_ms=20)
    collector.start()
    try:
        assert not gc.isenabled()
        node = Node()
        alive = weakref.ref(node)
        del node

        kept: list[dict[str, int]] = []

        def allocate() -> None:  # like aiortc's decoder thread, past the collection threshold
            kept.extend({} for _ in range(gc.get_threshold()[0] * 3))

        worker = threading.Thread(target=allocate)
        worker.start()
        worker.join()
        assert alive() is not None and collections == []
        qtbot.waitUntil(lambda: alive() is None, timeout=5000)
        assert collections and all(main for main, _ in collections)
    finally:
        collector.stop()
    assert gc.isenabled()  # as it was before start()
