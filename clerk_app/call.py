"""One video call on the clerk's side: aiortc answers the citizen's browser.

The browser makes the offer and trickles its ICE candidates; we answer with
all of ours (aiortc gathers before it answers). A fresh offer for the same
call renegotiates from scratch, which is how a reloaded page or a network
change resumes a call. No Qt here: frames and states go to callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import MediaStreamTrack, RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from av import AudioFrame, VideoFrame

log = logging.getLogger("videoschalter.call")

Send = Callable[..., Awaitable[None]]


def ice_configuration(ice_servers: list[dict[str, Any]]) -> RTCConfiguration:
    """Explicit (possibly empty) server list: aiortc's default would name a public STUN server."""
    return RTCConfiguration(iceServers=[
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice_servers
    ])


class CallSession:
    def __init__(
        self,
        call_id: int,
        send: Send,
        ice_servers: list[dict[str, Any]],
        local_tracks: Callable[[], list[MediaStreamTrack]],
        on_video: Callable[[VideoFrame], None] = lambda frame: None,
        on_audio: Callable[[AudioFrame], None] = lambda frame: None,
        on_state: Callable[[str], None] = lambda state: None,
    ):
        self.call_id = call_id
        self._send = send
        self._config = ice_configuration(ice_servers)
        self._local_tracks = local_tracks
        self._on_video, self._on_audio, self._on_state = on_video, on_audio, on_state
        self.pc: RTCPeerConnection | None = None
        self._pending_candidates: list[dict[str, Any] | None] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.video_frames = 0
        self.audio_frames = 0
        self.started_at = time.monotonic()
        self.first_video_at: float | None = None
        self.closed = False

    async def handle_offer(self, sdp: str) -> None:
        await self._close_pc()
        pc = RTCPeerConnection(self._config)
        self.pc = pc
        for track in self._local_tracks():
            pc.addTrack(track)
        pc.on("track", self._on_track)
        pc.on("connectionstatechange", lambda: self._connection_state(pc))
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        pending, self._pending_candidates = self._pending_candidates, []
        for candidate in pending:
            await self._add(pc, candidate)
        await pc.setLocalDescription(await pc.createAnswer())
        await self._send("answer", call_id=self.call_id, sdp=pc.localDescription.sdp)

    async def add_candidate(self, candidate: dict[str, Any] | None) -> None:
        if self.pc is None or self.pc.remoteDescription is None:
            self._pending_candidates.append(candidate)  # arrived before the offer was applied
            return
        await self._add(self.pc, candidate)

    @staticmethod
    async def _add(pc: RTCPeerConnection, candidate: dict[str, Any] | None) -> None:
        if candidate is None or not candidate.get("candidate"):
            await pc.addIceCandidate(None)  # end of candidates
            return
        text = candidate["candidate"]
        parsed = candidate_from_sdp(text.split(":", 1)[1] if text.startswith("candidate:") else text)
        parsed.sdpMid = candidate.get("sdpMid")
        parsed.sdpMLineIndex = candidate.get("sdpMLineIndex")
        try:
            await pc.addIceCandidate(parsed)
        except ValueError as exc:  # e.g. after end-of-candidates; harmless, worth a log line
            log.info("ICE candidate ignored: %s", exc)

    def _connection_state(self, pc: RTCPeerConnection) -> None:
        if pc is self.pc and not self.closed:
            self._on_state(pc.connectionState)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._spawn(self._consume(track))

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                if track.kind == "video":
                    self.video_frames += 1
                    if self.first_video_at is None:
                        self.first_video_at = time.monotonic()
                    self._on_video(frame)
                else:
                    self.audio_frames += 1
                    self._on_audio(frame)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_pc(self) -> None:
        pc, self.pc = self.pc, None
        if pc is not None:
            for task in list(self._tasks):
                task.cancel()
            await pc.close()

    async def hangup(self, reason: str = "clerk_hangup") -> None:
        """End the call and tell the server (which tells the citizen)."""
        if not self.closed:
            await self._send("hangup", call_id=self.call_id, reason=reason)
        await self.close()

    async def close(self) -> None:
        self.closed = True
        await self._close_pc()
