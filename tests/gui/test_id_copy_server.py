"""The ID copy with consent (PAuswG §20) from the clerk window against the real server (subprocess).

The citizen is scripted at the protocol level (``Citizen`` from test_case_server); the citizen's video
reaches the app the way a call delivers it, as decoded frames on ``controller.remote_video``.
"""

from __future__ import annotations

import asyncio
import io
from contextlib import suppress

import aiohttp
import numpy as np
import pytest
from av import VideoFrame
from PIL import Image
from PySide6.QtWidgets import QApplication

from clerk_app.controller import ClerkController
from clerk_app.main_window import MainWindow
from tests.gui.test_case_server import Citizen, call_in, clerk_window, run
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.gui, pytest.mark.e2e]
WIDTH, HEIGHT = 640, 400


def card_frame() -> np.ndarray:
    """A light "card" on a dark desk, with texture, so the mark's change is measurable."""
    rng = np.random.default_rng(7)
    rgb = np.full((HEIGHT, WIDTH, 3), 40, np.uint8)
    rgb[60:340, 80:560] = 200
    rgb += rng.integers(0, 12, rgb.shape, dtype=np.uint8)
    return rgb


async def feed_video(controller: ClerkController, rgb: np.ndarray) -> None:
    """The citizen's camera at about 25 fps, as ``CallSession`` hands frames on."""
    while True:
        controller.remote_video.emit(VideoFrame.from_ndarray(rgb, format="rgb24"))
        await asyncio.sleep(0.04)


def test_id_copy_refused_then_stored_with_consent(server, qapp: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with aiohttp.ClientSession() as http, clerk_window(server, qtbot, read_ids=False) as (controller, window):
            citizen = Citizen(server, http)
            await citizen.join("Erika Mustermann")
            try:
                await story(controller, window, citizen)
            finally:
                await citizen.close()

    run(qapp, scenario)


async def story(controller: ClerkController, window: MainWindow, citizen: Citizen) -> None:
    panel = window.id_panel
    assert not panel.copy_button.isEnabled()  # no call, no copy
    await call_in(controller, window, citizen)
    state = controller.case.state
    assert state is not None
    await wait_for(panel.copy_button.isEnabled, what="copy button enabled in the call")

    # 1. the citizen refuses: nothing is stored, the clerk reads why
    panel.copy_button.click()
    await wait_for(lambda: citizen.last("id_copy_request") is not None, what="request at the citizen")
    assert "angefragt" in panel.copy_status.text()
    await citizen.send("id_copy_consent", granted=False)
    await wait_for(lambda: controller.id_copy.state == "refused", what="refusal in the app")
    assert "nicht eingewilligt" in panel.copy_status.text()
    assert not [d for d in state.documents if d.get("kind") == "id_copy"]

    # 2. asked again, the citizen consents: the next video frame is stamped and stored as id_copy
    citizen.messages.clear()
    panel.copy_button.click()
    await wait_for(lambda: citizen.last("id_copy_request") is not None, what="second request")
    video = asyncio.get_running_loop().create_task(feed_video(controller, card_frame()))
    try:
        await citizen.send("id_copy_consent", granted=True)
        await wait_for(lambda: controller.id_copy.state in ("stored", "failed"), what="copy stored")
    finally:
        video.cancel()
        with suppress(asyncio.CancelledError):
            await video
    assert controller.id_copy.state == "stored", panel.copy_status.text()
    assert "gespeichert" in panel.copy_status.text()
    document = controller.id_copy.document
    assert document is not None and document["kind"] == "id_copy" and document["mime"] == "image/png"
    await wait_for(lambda: any(d.get("kind") == "id_copy" for d in state.documents), what="document in the case")
    await wait_for(lambda: (citizen.last("document") or {}).get("kind") == "id_copy", what="citizen told")
    assert controller.case.actions["id_copy"] == 2

    # the stored file is the marked copy: footer band under the frame, the diagonal changed
    data, mime = await controller.client.download_case_document(state.ticket_id, document["id"])
    stored = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert mime == "image/png" and stored.shape[1] == WIDTH and stored.shape[0] > HEIGHT
    diff = np.abs(stored[:HEIGHT].astype(int) - card_frame().astype(int)).sum(axis=2) > 30
    assert diff[HEIGHT // 2 - 40:HEIGHT // 2 + 40, WIDTH // 2 - 60:WIDTH // 2 + 60].mean() > 0.05
    assert (stored[HEIGHT:].min(axis=2) < 100).any()  # the footer line

    # 3. the consent is used up: a second upload of any picture is refused by the server
    try:
        await controller.client.upload_case_document(state.ticket_id, "nochmal.png", data, "second_copy_key_0001",
                                                     "id_copy")
    except ConnectionError as exc:
        assert "Einwilligung" in str(exc)
    else:
        raise AssertionError("a second copy was accepted")

    # the audit log has request, refusal, request, consent, the copy (DSGVO export)
    export = await controller.case.export()
    assert export is not None
    actions = [e["action"] for e in export["audit"] if e["action"].startswith("id_copy") or
               (e["action"] == "document_added" and e.get("detail", {}).get("kind") == "id_copy")]
    assert actions == ["id_copy_requested", "id_copy_consent", "id_copy_requested", "id_copy_consent",
                       "document_added"]
