"""Fixtures shared by all suites."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import pytest
from hypothesis import settings

from tests.support.server import ServerProcess

# CI explores the same examples every run (a red CI must be reproducible); a developer's
# run draws new ones each time and so keeps finding new cases.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The real server as a subprocess on 127.0.0.1 (test config, clerk "anna"), for e2e and GUI tests."""
    srv = ServerProcess(tmp_path / "data")
    srv.write_config(grace=3.0)
    srv.add_clerk("anna")
    srv.start()
    yield srv
    srv.stop()
