"""The clerk app's frame grab for the ID copy: holds no frame unless asked, hands over the next one."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from av import VideoFrame

from clerk_app.id_copy import FrameGrab


async def test_no_frame_is_kept_while_nobody_waits() -> None:
    grab = FrameGrab()
    frame = VideoFrame.from_ndarray(np.zeros((4, 4, 3), np.uint8), format="rgb24")
    grab.offer(frame)
    assert grab._waiting == []  # nothing to hold on to
    with pytest.raises(TimeoutError):
        await grab.next_frame(timeout=0.05)
    assert grab._waiting == []  # a timed-out wait leaves nothing behind


async def test_the_next_frame_as_rgb() -> None:
    grab = FrameGrab()
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, :, 0] = 200
    waiting = asyncio.get_running_loop().create_task(grab.next_rgb(timeout=2))
    await asyncio.sleep(0)
    grab.offer(VideoFrame.from_ndarray(rgb, format="rgb24"))
    got = await waiting
    assert got.shape == (40, 60, 3) and got[..., 0].min() == 200 and got[..., 1].max() == 0
