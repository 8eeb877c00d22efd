"""A copy of the ID card with the citizen's consent (PAuswG §20), without Qt.

The clerk clicks "Ausweiskopie (mit Einwilligung)": the app sends ``id_copy_request``; the citizen's
page asks; on ``id_copy_consent`` with ``granted`` the app takes the *next* decoded frame of the
citizen's video, stamps it as a copy (``videoschalter.cases.id_copy``) and uploads it as PNG with
``kind=id_copy``. No frame is kept otherwise: ``FrameGrab`` holds nothing until somebody waits for a
frame, so the video path costs one emptiness check per frame.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from typing import Any

from clerk_app.case_controller import CaseController
from clerk_app.events import Event
from videoschalter.cases.id_copy import KIND, id_copy_png

log = logging.getLogger("videoschalter.id_copy")

TEXT = {
    "asked": "Einwilligung angefragt – die Person sieht die Frage auf ihrem Bildschirm.",
    "refused": "Die Person hat nicht eingewilligt. Es wird keine Kopie gespeichert.",
    "capturing": "Einwilligung erteilt – Kopie wird aufgenommen …",
    "stored": "Ausweiskopie gespeichert, als Kopie gekennzeichnet (im Vorgang unter Dokumente).",
    "no_video": "Kein Videobild der Person – Kopie nicht aufgenommen. Bitte erneut fragen.",
    "no_case": "Kein Vorgang geöffnet – eine Ausweiskopie ist nur im Gespräch möglich.",
}


class FrameGrab:
    """Hands the next remote video frame to whoever waits for it; keeps no frame in between."""

    def __init__(self) -> None:
        self._waiting: list[asyncio.Future[Any]] = []

    def offer(self, frame: Any) -> None:
        """Connected to the controller's ``remote_video``: called for every decoded frame."""
        if not self._waiting:
            return
        waiting, self._waiting = self._waiting, []
        for future in waiting:
            if not future.done():
                future.set_result(frame)

    async def next_frame(self, timeout: float = 3.0) -> Any:
        """The next frame (an ``av.VideoFrame`` or anything with ``to_ndarray``); TimeoutError without video."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            if future in self._waiting:
                self._waiting.remove(future)

    async def next_rgb(self, timeout: float = 3.0) -> Any:
        """The next frame as an RGB ``numpy`` array (converted off the event loop)."""
        frame = await self.next_frame(timeout)
        return await asyncio.to_thread(frame.to_ndarray, format="rgb24")


class IdCopyFlow:
    """Request → consent → one stamped copy; reports each step as (state, German text) on ``changed``."""

    def __init__(self, case: CaseController, grab: FrameGrab, frame_timeout: float = 3.0) -> None:
        self.case = case
        self.grab = grab
        self.frame_timeout = frame_timeout
        self.state = "idle"
        self.document: dict[str, Any] | None = None
        self.changed = Event()  # (state: str, text: str)

    def _set(self, state: str, text: str | None = None) -> None:
        self.state = state
        self.changed.emit(state, text if text is not None else TEXT.get(state, ""))

    def reset(self) -> None:
        """A new call: nothing asked yet."""
        self.document = None
        self._set("idle", "")

    async def request(self) -> bool:
        """The clerk's click: ask the citizen. Nothing is recorded before the answer comes."""
        if self.case.state is None:
            self._set("failed", TEXT["no_case"])
            return False
        self.case.count("id_copy")
        self.document = None
        try:
            await self.case.transport.send("id_copy_request", ticket_id=self.case.state.ticket_id)
        except ConnectionError:
            self._set("failed", "Keine Verbindung zum Server – bitte gleich noch einmal versuchen.")
            return False
        self._set("asked")
        return True

    async def handle(self, msg: dict[str, Any]) -> bool:
        """Take ``id_copy_consent`` and errors about ``id_copy_request``; ``False`` leaves others alone."""
        if msg.get("type") == "error" and msg.get("ref") == "id_copy_request":
            self._set("failed", msg.get("message") or "Der Server hat die Anfrage abgelehnt.")
            return True
        if msg.get("type") != "id_copy_consent":
            return False
        state = self.case.state
        if state is None or msg.get("ticket_id") != state.ticket_id:
            return True  # an answer about an earlier call
        if msg.get("granted") is not True:
            self._set("refused")
            return True
        await self.take_copy()
        return True

    async def take_copy(self) -> dict[str, Any] | None:
        state = self.case.state
        if state is None:
            return None
        self._set("capturing")
        try:
            rgb = await self.grab.next_rgb(self.frame_timeout)
        except TimeoutError:
            self._set("failed", TEXT["no_video"])
            return None
        when = dt.datetime.now().astimezone()  # the office's local time on the mark
        png = await asyncio.to_thread(id_copy_png, rgb, when, state.case_id or state.ticket_id)
        del rgb  # the unmarked frame goes now
        name = f"Ausweiskopie-{when.strftime('%Y%m%d-%H%M%S')}.png"
        key = uuid.uuid4().hex
        for attempt in (1, 2):  # one retry with the same key: a lost answer makes no second copy
            try:
                document = await self.case.transport.upload_case_document(state.ticket_id, name, png, key, KIND)
                break
            except ConnectionError as exc:
                if attempt == 2 or "nicht erreichbar" not in str(exc):
                    self._set("failed", f"Kopie nicht gespeichert: {exc}")
                    return None
        self.document = document
        self._set("stored")
        return document
