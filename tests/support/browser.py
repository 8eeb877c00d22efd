"""Debian's Chromium through Playwright, with a fake camera and microphone."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"

BASE_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_args(video_file: Path | None = None, fps: int | None = None) -> list[str]:
    args = list(BASE_ARGS)
    if fps:
        args[0] = f"--use-fake-device-for-media-stream=fps={fps}"
    if video_file is not None:
        args.append(f"--use-file-for-fake-video-capture={video_file}")
    return args


async def wait_js(page, expression: str, timeout: float = 15.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll a JS expression until it is truthy.

    ``page.wait_for_function`` evaluates strings with ``eval``, which our CSP
    forbids (as it should); ``page.evaluate`` goes through the debugger instead.
    """
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = await page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for JS: {expression}")
        await asyncio.sleep(interval)
