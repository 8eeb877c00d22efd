"""The whole Behördengang in real Chromium + the clerk app's controller: the story of issue 5."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, async_playwright

from tests.mrzgen.identities import Identity
from tests.mrzgen.video import make_y4m
from tests.support.browser import CHROMIUM, chromium_args
from tests.support.case_story import prepare_server, run_story
from tests.support.server import ServerProcess
from videoschalter.certificates.verify import document_hash, verify_pdf

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def card_clip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Identity]]:
    path, identity = make_y4m(tmp_path_factory.mktemp("clip"), seed=11, kind="TD1", seconds=4.0, fps=20)
    yield path, identity
    path.unlink()


@pytest.fixture
def story_server(tmp_path: Path) -> Iterator[ServerProcess]:
    server = prepare_server(tmp_path / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def card_browser(card_clip: tuple[Path, Identity]) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=chromium_args(video_file=card_clip[0]))
        yield browser
        await browser.close()


async def test_book_wait_call_read_id_fill_sign_pay_issue(story_server: ServerProcess, card_browser: Browser,
                                                          card_clip: tuple[Path, Identity]) -> None:
    _, card = card_clip
    result = await run_story(story_server, card_browser)

    # the card in front of the citizen's camera filled the case: nothing typed by the clerk
    assert result.identity["document_number"] == card.document_number
    assert result.identity["surname"] == card.surname
    assert result.typed_identity_fields == 0
    assert sum(result.clerk_actions.values()) <= 8, result.clerk_actions

    # the downloaded certificate is signed by the office (the demo's test CA) and verifiable by its QR code
    pdf = result.certificate
    check = await asyncio.to_thread(verify_pdf, pdf, [story_server.data / "pki" / "ca.pem"])
    assert check.ok, check.problem
    async with aiohttp.ClientSession() as http, http.get(
            f"{story_server.url}/verify/{result.document_id}", headers={"Accept": "application/json"}) as res:
        view = await res.json()
    assert (res.status, view["status"], view["sha256"]) == (200, "valid", document_hash(pdf))

    # later, in a new tab: the same link gives the same signed file (until the retention period ends)
    page = await card_browser.new_page(locale="de-DE")
    try:
        await page.goto(result.link)
        assert await page.inner_text("h1") == "Ihr Vorgang ist abgeschlossen"
        async with page.expect_download() as info:
            await page.click("a[download]")
        again = Path(await (await info.value).path()).read_bytes()
        assert again == pdf
    finally:
        await page.close()
