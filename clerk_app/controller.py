"""What the clerk app does, without Qt: the queue, calling in, the running call.

Widgets call the coroutines and listen to the events; tests do the same with
plain asyncio. All server messages arrive in ``_handle``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiortc import MediaStreamTrack

from clerk_app.call import CallSession
from clerk_app.case_controller import CaseController
from clerk_app.client import ClerkClient
from clerk_app.events import Event
from clerk_app.ice import set_host_addresses
from clerk_app.id_check import IdCheck, IdFeedback
from clerk_app.id_copy import FrameGrab, IdCopyFlow
from hardware.camera import LocalAudioTrack, LocalVideo

log = logging.getLogger("videoschalter.controller")

HANGUP_REASONS = {
    "clerk_hangup": "Sie haben das Gespräch beendet.",
    "citizen_hangup": "Die Bürgerin / der Bürger hat aufgelegt.",
    "page_closed": "Die Bürgerin / der Bürger hat das Fenster geschlossen.",
    "citizen_connection_lost": "Die Verbindung zur Bürgerin / zum Bürger ist abgerissen.",
    "clerk_connection_lost": "Ihre Verbindung zum Server war zu lange unterbrochen; die Person wartet wieder.",
    "ice_failed": "Die Bild- und Tonverbindung ist gescheitert (Netzwerk oder Firewall).",
    "server_lost_call": "Der Server kennt dieses Gespräch nicht mehr.",
}


class ClerkController:
    def __init__(self, server_url: str, ice_hosts: Sequence[str] | None = None,
                 local_video: LocalVideo | None = None,
                 audio_source: Callable[[], MediaStreamTrack] = LocalAudioTrack,
                 read_ids: bool = True):
        set_host_addresses(ice_hosts)
        self.client = ClerkClient(server_url, self._handle, self._connection)
        self.local_video = local_video
        self.queue: dict[str, list[dict[str, Any]]] = {}
        self.waiting_total: dict[str, int] = {}  # the server sends only the head of a long line
        self.departments: list[dict[str, Any]] = []
        self.ice_servers: list[dict[str, Any]] = []
        self.call: CallSession | None = None
        self.call_ticket: dict[str, Any] | None = None
        self.call_requested_at: float | None = None
        self.muted = False
        self.audio_source = audio_source  # the Qt app passes its microphone; tests keep silence
        self.audio_track: MediaStreamTrack | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # events for views
        self.queue_changed = Event()        # (tickets: list[dict])
        self.connection_changed = Event()   # (state: str)
        self.call_changed = Event()         # (state: str, text: str)
        self.remote_video = Event()         # (frame: av.VideoFrame)
        self.remote_audio = Event()         # (frame: av.AudioFrame)
        self.arrived = Event()              # (ticket: dict) somebody new is waiting
        self.paused_changed = Event()       # (paused: bool)
        self.info = Event()                 # (text: str) a confirmation worth a status-bar line
        self.error = Event()                # (text: str)
        self.id_feedback = Event()          # (feedback: IdFeedback) where the MRZ is, hints, the read identity
        self.identity_confirmed = Event()   # (identity: dict) the clerk accepted the read data
        self.id_check = IdCheck(self._on_id_feedback) if read_ids else None
        self.confirmed_identity: dict[str, Any] | None = None
        self._last_hint: str | None = None
        self.remote_video.connect(self._offer_frame_to_id_check)
        self.all_departments: list[dict[str, Any]] = []
        self.colleagues: list[dict[str, Any]] = []
        self._seen_waiting: set[int] | None = None
        self.case = CaseController(self.client)  # the case of the current (or last) call, docs/case.md
        self.frame_grab = FrameGrab()  # holds no frame unless the ID copy waits for one
        self.remote_video.connect(self.frame_grab.offer)
        self.id_copy = IdCopyFlow(self.case, self.frame_grab)  # PAuswG §20: a copy only with consent

    # --- session ----------------------------------------------------------
    async def login(self, username: str, password: str) -> dict[str, Any]:
        return await self.client.login(username, password)

    def start(self) -> None:
        if self.local_video is None:
            self.local_video = LocalVideo()
        if self.id_check is not None:
            self.id_check.start_worker()
        self.client.start()

    async def close(self) -> None:
        if self.call is not None:
            await self.hang_up()
        await self.client.close()
        if self.id_check is not None:
            self.id_check.close()
        if self.local_video is not None:
            self.local_video.close()

    def _connection(self, state: str) -> None:
        self.connection_changed.emit(state)

    @property
    def tickets(self) -> list[dict[str, Any]]:
        return sorted((t for ts in self.queue.values() for t in ts),
                      key=lambda t: (t["state"] != "waiting", t.get("position") or 0, t["id"]))

    # --- actions ----------------------------------------------------------
    async def call_in(self, ticket_id: int) -> None:
        if self.call is not None:
            self.error.emit("Beenden Sie zuerst das laufende Gespräch.")
            return
        self.call_requested_at = time.monotonic()
        self.case.count("call")
        try:
            await self.client.send("call", ticket_id=ticket_id)
        except ConnectionError:
            self.error.emit("Keine Verbindung zum Server – bitte gleich noch einmal versuchen.")

    async def call_next(self) -> None:
        """The server picks the first in line over all my departments (fair, and the same for every desk)."""
        if self.call is not None:
            self.error.emit("Beenden Sie zuerst das laufende Gespräch.")
            return
        self.call_requested_at = time.monotonic()
        self.case.count("call")
        await self._send("call_next")

    async def set_paused(self, paused: bool) -> None:
        await self._send("status", state="pause" if paused else "available")

    async def transfer(self, ticket_id: int, department: str, clerk_id: int | None = None) -> None:
        fields: dict[str, Any] = {"ticket_id": ticket_id, "department": department}
        if clerk_id is not None:
            fields["clerk_id"] = clerk_id
        await self._send("transfer", **fields)

    async def mark_no_show(self, ticket_id: int) -> None:
        await self._send("no_show", ticket_id=ticket_id)

    async def announce(self, text: str, ticket_id: int | None = None) -> None:
        fields: dict[str, Any] = {"text": text}
        if ticket_id is not None:
            fields["ticket_id"] = ticket_id
        await self._send("announce", **fields)

    async def day_overview(self) -> dict[str, Any]:
        return await self.client.get_json("/api/v1/clerk/day")

    async def _send(self, mtype: str, **fields: Any) -> None:
        try:
            await self.client.send(mtype, **fields)
        except ConnectionError:
            self.error.emit("Keine Verbindung zum Server – bitte gleich noch einmal versuchen.")

    async def hang_up(self) -> None:
        call = self.call
        if call is None:
            return
        self.case.count("hangup")
        try:
            await call.hangup("clerk_hangup")
        except ConnectionError:
            await call.close()  # the server ends it after its grace period
        self._end_call("clerk_hangup")

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        if self.audio_track is not None:
            self.audio_track.muted = muted  # type: ignore[attr-defined]

    def set_camera(self, on: bool) -> None:
        if self.local_video is not None:
            self.local_video.enabled = on

    # --- server messages --------------------------------------------------
    async def _handle(self, msg: dict[str, Any]) -> None:
        if await self.case.handle(msg) or await self.id_copy.handle(msg):
            return
        handler = getattr(self, f"_on_{msg.get('type')}", None)
        if handler is not None:
            await handler(msg)

    async def _on_welcome(self, msg: dict[str, Any]) -> None:
        self.departments = msg["departments"]
        self.all_departments = msg.get("all_departments", [])
        self.colleagues = msg.get("clerks", [])
        self.ice_servers = msg["ice_servers"]
        self.paused_changed.emit(msg["clerk"].get("status") == "pause")
        if self.call is not None and self.call.call_id not in {c["call_id"] for c in msg["calls"]}:
            await self.call.close()
            self._end_call("server_lost_call")
        await self.case.resync()  # messages may have been missed while the connection was down

    async def _on_queue(self, msg: dict[str, Any]) -> None:
        self.queue[msg["department"]] = msg["tickets"]
        self.waiting_total[msg["department"]] = msg.get("waiting", 0)
        waiting = {t["id"]: t for t in self.tickets if t["state"] == "waiting"}
        if self._seen_waiting is not None:  # not on the first snapshot: those were there already
            for ticket_id in waiting.keys() - self._seen_waiting:
                self.arrived.emit(waiting[ticket_id])
        self._seen_waiting = (self._seen_waiting or set()) | waiting.keys()
        self.queue_changed.emit(self.tickets)

    async def _on_presence(self, msg: dict[str, Any]) -> None:
        for ticket in self.queue.get(msg["department"], []):
            if ticket["id"] == msg["ticket_id"]:
                ticket["online"] = msg["online"]
                self.queue_changed.emit(self.tickets)

    async def _on_clerk_status(self, msg: dict[str, Any]) -> None:
        self.paused_changed.emit(msg["state"] == "pause")

    async def _on_announced(self, msg: dict[str, Any]) -> None:
        self.info.emit("Nachricht gesendet.")

    async def _on_call_started(self, msg: dict[str, Any]) -> None:
        self.call_ticket = msg["ticket"]
        self.confirmed_identity = None
        self._last_hint = None
        self.id_copy.reset()
        if self.id_check is not None:
            self.id_check.begin()
        self.call = CallSession(msg["call_id"], self.client.send, self.ice_servers, self._local_tracks,
                                on_video=self.remote_video.emit, on_audio=self.remote_audio.emit,
                                on_state=self._media_state)
        text = "Verbindung wird aufgebaut …" if msg["citizen_online"] else "Die Person ist gerade nicht verbunden …"
        self.call_changed.emit("calling", text)
        await self.case.open(msg["ticket"]["id"])

    async def _on_offer(self, msg: dict[str, Any]) -> None:
        if self.call is not None and self.call.call_id == msg["call_id"]:
            await self.call.handle_offer(msg["sdp"])

    async def _on_ice(self, msg: dict[str, Any]) -> None:
        if self.call is not None and self.call.call_id == msg["call_id"]:
            await self.call.add_candidate(msg["candidate"])

    async def _on_peer(self, msg: dict[str, Any]) -> None:
        if self.call is not None and self.call.call_id == msg["call_id"]:
            self.call_changed.emit("connected" if msg["online"] else "interrupted",
                                   "" if msg["online"] else "Die Verbindung der Person ist unterbrochen …")

    async def _on_hangup(self, msg: dict[str, Any]) -> None:
        if self.call is not None and self.call.call_id == msg["call_id"]:
            await self.call.close()
            self._end_call(msg.get("reason", ""))

    async def _on_error(self, msg: dict[str, Any]) -> None:
        self.error.emit(msg.get("message", "Unbekannter Fehler"))

    # --- media --------------------------------------------------------------
    def _local_tracks(self) -> list[MediaStreamTrack]:
        assert self.local_video is not None
        self.audio_track = self.audio_source()
        self.audio_track.muted = self.muted  # type: ignore[attr-defined]
        return [self.audio_track, self.local_video.track()]

    def _media_state(self, state: str) -> None:
        call = self.call
        if call is None:
            return
        if state == "connected":
            self.call_changed.emit("connected", "")
            self._spawn_send("connected", call_id=call.call_id)
        elif state == "failed":
            self._spawn_hangup("ice_failed")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _spawn_send(self, mtype: str, **fields: Any) -> None:
        async def send() -> None:
            try:
                await self.client.send(mtype, **fields)
            except ConnectionError:
                log.info("could not send %s: not connected", mtype)

        self._spawn(send())

    def _spawn_hangup(self, reason: str) -> None:
        call = self.call
        if call is None:
            return

        async def hangup() -> None:
            try:
                await call.hangup(reason)
            except ConnectionError:
                await call.close()
            self._end_call(reason)

        self._spawn(hangup())

    # --- ID check -------------------------------------------------------------
    def _offer_frame_to_id_check(self, frame: Any) -> None:
        if self.id_check is not None:
            self.id_check.offer(frame)

    def _on_id_feedback(self, feedback: IdFeedback) -> None:
        self.id_feedback.emit(feedback)
        call = self.call
        if call is not None and feedback.hint != self._last_hint:  # the citizen's page shows the same hint
            self._last_hint = feedback.hint
            self._spawn_send("id_hint", call_id=call.call_id, hint=feedback.hint)

    def confirm_identity(self) -> None:
        """One click: the read data is taken over (no typing of identity data)."""
        if self.id_check is not None and self.id_check.result is not None:
            self.confirmed_identity = dict(self.id_check.result)
            self.identity_confirmed.emit(self.confirmed_identity)
            self._spawn(self.case.take_identity(self.confirmed_identity, "mrz"))  # fills the case: no typing

    def read_id_again(self) -> None:
        if self.id_check is not None and self.call is not None:
            self.confirmed_identity = None
            self._last_hint = None
            self.id_check.begin()

    def _end_call(self, reason: str) -> None:
        if self.call is None:
            return
        if self.id_check is not None:
            self.id_check.stop()
        self.call = None
        self.call_ticket = None
        self.audio_track = None
        self.call_changed.emit("ended", HANGUP_REASONS.get(reason, "Das Gespräch ist beendet."))

