"""Fixtures shared by all suites."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from hypothesis import settings

# CI explores the same examples every run (a red CI must be reproducible); a developer's
# run draws new ones each time and so keeps finding new cases.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
