"""Fixtures shared by all suites."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import pytest
from hypothesis import settings

from clerk_app.gui_gc import collect_due
from tests.support.payment_provider import PaymentPlatform
from tests.support.server import ServerProcess

# CI explores the same examples every run (a red CI must be reproducible); a developer's
# run draws new ones each time and so keeps finding new cases.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Cycles are collected only between tests, in the main thread (see ``clerk_app.gui_gc``): left to
# itself, CPython may collect a finished test's widgets from a server or executor thread of a later
# test, and Qt then crashes at some unrelated event (a CI segfault, reproduced that way).
gc.disable()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    yield
    collect_due()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The real server as a subprocess on 127.0.0.1 (test config, clerk "anna"), for e2e and GUI tests."""
    srv = ServerProcess(tmp_path / "data")
    srv.write_config(grace=3.0)
    srv.add_clerk("anna")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
async def platform() -> AsyncIterator[PaymentPlatform]:
    """A hosted-payment platform (``tests/support/payment_provider.py``) on its own port."""
    p = await PaymentPlatform().start()
    yield p
    await p.stop()
