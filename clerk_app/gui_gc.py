"""Python's cyclic garbage collector, run only in the GUI thread.

Why: CPython collects cycles in whichever thread happens to allocate when a threshold is crossed.
The clerk app has busy non-GUI threads (aiortc decodes video in its own thread and encodes in the
executor). A closed case panel whose widgets sit in a reference cycle (a signal connected to a
lambda that holds the panel is enough) would then be deleted from such a thread, and Qt crashes
later, at some unrelated event (seen in CI as a segfault in pytest-qt's event processing; made
reproducible by collecting in a thread after the GUI tests). So automatic collection is switched
off while the app runs, and a timer in the GUI thread collects with the interpreter's own
thresholds. The same pattern is used by qutebrowser and pyqtgraph.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


def collect_due() -> int | None:
    """Collect the oldest generation whose count passed its threshold; the generation, or None.

    The interpreter's own rule (``gc.get_threshold``), minus its extra heuristic for the oldest
    generation, which only delays full collections.
    """
    counts, thresholds = gc.get_count(), gc.get_threshold()
    due = [gen for gen in range(3) if thresholds[gen] and counts[gen] > thresholds[gen]]
    if not due:
        return None
    gc.collect(due[-1])
    return due[-1]


class GuiThreadGc(QObject):
    """While alive and started, cycles are collected by a timer in this (the GUI) thread only."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(collect_due)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Back to automatic collection (as it was before), after one full collection here."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
