"""How long from the clerk's "Aufrufen" to the first decoded frame of the citizen's video.

Real parts only: the server as a subprocess, Debian's Chromium (fake camera)
as the citizen, the clerk app's call code (aiortc) on loopback. Each call is a
fresh citizen page that joins the queue; the clock starts when the clerk's
controller sends "call" and stops when aiortc hands over the first decoded
video frame.

    python bench/call_setup.py [--calls 15] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import async_playwright

from clerk_app.controller import ClerkController
from hardware.camera import LocalVideo
from tests.support.browser import CHROMIUM, chromium_args
from tests.support.server import CLERK_PASSWORD, ServerProcess


async def wait_for(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.002)


async def measure(server: ServerProcess, calls: int) -> list[dict[str, float]]:
    clerk = ClerkController(server.url, ice_hosts=["127.0.0.1"], local_video=LocalVideo(use_camera=False),
                                 read_ids=False)
    await clerk.login("anna", CLERK_PASSWORD)
    clerk.start()
    results = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=chromium_args(fps=30))
        try:
            for i in range(calls):
                page = await browser.new_page(locale="de-DE")
                await page.goto(server.url + "/")
                await page.wait_for_selector("body[data-ready='1']")
                await page.fill("#name", f"Person {i}")
                await page.click("#submit")
                await page.wait_for_selector("body[data-ready='1'][data-devices='ok']")
                await wait_for(lambda: any(t["state"] == "waiting" for t in clerk.tickets))
                ticket = next(t for t in clerk.tickets if t["state"] == "waiting")
                await clerk.call_in(ticket["id"])
                start = clerk.call_requested_at
                await wait_for(lambda: clerk.call is not None and clerk.call.first_video_at is not None)
                call = clerk.call
                assert call is not None and call.first_video_at is not None and start is not None
                results.append({"first_frame_s": call.first_video_at - start})
                await clerk.hang_up()
                await page.close()
        finally:
            await browser.close()
            await clerk.close()
    return results


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp) / "data")
        server.write_config(joins=10_000)
        server.add_clerk("anna")
        server.start()
        try:
            results = asyncio.run(measure(server, args.calls))
        finally:
            server.stop()
    times = [r["first_frame_s"] for r in results]
    figures = {"calls": len(times), "median_s": round(statistics.median(times), 3),
               "p90_s": round(percentile(times, 0.9), 3)}
    print("call-in → first decoded frame (clerk side), loopback")
    print(f"{'call':>5} {'seconds':>8}")
    for i, t in enumerate(times, 1):
        print(f"{i:>5} {t:>8.3f}")
    print(f"{'median':>5} {figures['median_s']:>8.3f}\n{'p90':>5} {figures['p90_s']:>8.3f}  (target: median ≤ 0.5 s)")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
