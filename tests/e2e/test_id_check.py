"""The ID card held up to Chromium's fake camera is read by the clerk app from the WebRTC track."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.e2e.test_call import join_as_citizen, logged_in_clerk, wait_for
from tests.mrzgen.identities import Identity
from tests.mrzgen.video import make_y4m
from tests.support.browser import chromium_args, wait_js
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def card_clip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Identity]]:
    folder = tmp_path_factory.mktemp("clip")
    path, identity = make_y4m(folder, seed=7, kind="TD1", seconds=4.0, fps=20)
    yield path, identity
    path.unlink()


@pytest.fixture
def chromium_flags(card_clip: tuple[Path, Identity]) -> list[str]:
    return chromium_args(video_file=card_clip[0])


async def test_clerk_reads_the_id_card_from_the_call(server: ServerProcess, browser: Browser,
                                                     card_clip: tuple[Path, Identity]) -> None:
    _, identity = card_clip
    page = await join_as_citizen(browser, server)
    clerk = await logged_in_clerk(server, read_ids=True)
    feedback = []
    clerk.id_feedback.connect(feedback.append)
    try:
        await wait_for(lambda: len(clerk.tickets) == 1, what="queue entry")
        await clerk.call_in(clerk.tickets[0]["id"])
        await wait_for(lambda: clerk.id_check.result is not None, timeout=60, what="a stable MRZ read")
        result = clerk.id_check.result
        assert result["mrz"] == list(identity.lines)
        assert result["document_number"] == identity.document_number
        assert result["surname"] == identity.surname and result["given_names"] == identity.given_names
        assert result["birth_date"] == identity.birth_date.isoformat()
        assert any(f.quad is not None for f in feedback)  # the band was shown to the clerk
        # after the read the green outline follows the (still moving) card for a moment, then goes
        await wait_for(lambda: feedback[-1].quad is None and feedback[-1].result is not None, timeout=10,
                       what="the outline to go after the read")
        after = feedback[[f.result is not None for f in feedback].index(True):]
        # the read frame's outline, then followed ones (None while the looping clip has the card out of view)
        assert after[0].quad is not None and len(after) >= 3 and all(f.hint == "read" for f in after)
        # the citizen's page got the hints, ending with "read"
        await wait_js(page, "document.getElementById('id-hint').dataset.hint === 'read'")
        assert "erkannt" in await page.inner_text("#id-hint")
        clerk.confirm_identity()
        assert clerk.confirmed_identity == result
    finally:
        await clerk.close()
