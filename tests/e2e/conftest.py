"""End-to-end fixtures: the real server process and real headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from tests.support.browser import CHROMIUM, chromium_args

pytestmark = pytest.mark.e2e


@pytest.fixture
def chromium_flags() -> list[str]:
    return chromium_args(fps=30)


@pytest.fixture
async def browser(chromium_flags: list[str]) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=chromium_flags)
        yield b
        await b.close()
