"""Estimated wait in the waiting room, from how long recent conversations really took.

The median is used because one long case (an interpreter, a lost document)
should not double everybody's estimate. The figure shown is rounded up, to
whole minutes below ten and to five-minute steps above: people forgive an
estimate that ends early, not one that keeps growing.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from videoschalter.i18n import translator

DEFAULT_SERVICE_S = 10 * 60.0  # before there is any history: a typical Bürgeramt conversation
RECENT = 30  # how many of the latest conversations count
PLAUSIBLE_S = (30.0, 3 * 3600.0)  # shorter: a dropped call; longer: a forgotten "end" button


@dataclass(frozen=True)
class WaitEstimate:
    seconds: float  # unrounded estimate
    minutes: int  # rounded up for display; 0 means "you are next"
    people_ahead: int
    per_person_s: float  # the typical conversation length used
    from_history: bool  # False while the default was used
    no_clerk: bool = False  # nobody on duty right now: the figure assumes one clerk

    def text(self, lang: str = "de") -> str:
        _ = translator(lang)
        if self.no_clerk:
            return _("Gerade ist niemand im Dienst. Bitte haben Sie etwas Geduld.")
        if self.minutes == 0:
            return _("Sie sind als Nächstes an der Reihe.")
        if self.minutes == 1:
            return _("Geschätzte Wartezeit: etwa 1 Minute")
        return _("Geschätzte Wartezeit: etwa {minutes} Minuten").format(minutes=self.minutes)


def typical_duration(recent_durations_s: Sequence[float], default_s: float = DEFAULT_SERVICE_S) -> tuple[float, bool]:
    """Median of the latest plausible durations (newest last), or the default; and whether history was used."""
    plausible = [d for d in recent_durations_s[-RECENT:] if PLAUSIBLE_S[0] <= d <= PLAUSIBLE_S[1]]
    if not plausible:
        return default_s, False
    return float(statistics.median(plausible)), True


def round_for_display(seconds: float) -> int:
    minutes = math.ceil(seconds / 60 - 1e-9) if seconds > 0 else 0
    return minutes if minutes < 10 else 5 * math.ceil(minutes / 5)


def estimate_wait(
    recent_durations_s: Sequence[float],
    people_ahead: int,
    clerks_available: int,
    default_s: float = DEFAULT_SERVICE_S,
) -> WaitEstimate:
    """Typical duration × people ahead ÷ clerks serving this queue.

    ``recent_durations_s``: real lengths of the latest finished conversations of this
    department, oldest first. ``people_ahead``: citizens in the queue before this one.
    """
    per_person, from_history = typical_duration(recent_durations_s, default_s)
    ahead = max(people_ahead, 0)
    clerks = max(clerks_available, 0)
    seconds = per_person * ahead / max(clerks, 1)
    return WaitEstimate(
        seconds=seconds,
        minutes=round_for_display(seconds),
        people_ahead=ahead,
        per_person_s=per_person,
        from_history=from_history,
        no_clerk=clerks == 0,
    )
