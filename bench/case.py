"""The whole Behördengang as the town sees it: clerk actions, typed identity data, time people wait.

Runs the scripted story of issue 5 (tests/support/case_story.py, the same code as the end-to-end test)
with the real parts: the server as a process, Chromium as the citizen with a generated ID card in front
of its fake camera, the clerk app's controller with its WebRTC call and MRZ reader. Per run it counts the
clerk's actions (as the clerk app counts them: calling in, "Übernehmen", "Alle geprüft", issuing, hanging
up, …) and typed identity fields, and adds up the time people wait for the system: page loads, the booking,
the form confirmation, storing the signature, the payment page and round trip, issuing and downloading the
certificate. Reading the ID card (the citizen holds it up) is reported on its own line, not as waiting.
The certificate figure is bench/certificate.py's render + sign median.

    python bench/case.py [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from playwright.async_api import async_playwright  # noqa: E402

from tests.mrzgen.video import make_y4m  # noqa: E402
from tests.support.browser import CHROMIUM, chromium_args  # noqa: E402
from tests.support.case_story import StoryResult, prepare_server, run_story  # noqa: E402
from videoschalter.certificates.verify import verify_pdf  # noqa: E402


async def one_run(folder: Path, clip: Path) -> StoryResult:
    server = prepare_server(folder / "data")
    server.start()
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                               args=chromium_args(video_file=clip))
            try:
                result = await run_story(server, browser)
            finally:
                await browser.close()
        check = await asyncio.to_thread(verify_pdf, result.certificate, [server.data / "pki" / "ca.pem"])
        if not check.ok:
            raise SystemExit(f"the certificate does not verify: {check.problem}")
        return result
    finally:
        server.stop()


def certificate_median_ms() -> float:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "certificate.py"), "--certificates", "20", "--json"],
                         capture_output=True, text=True, check=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["certificate_median_ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: list[StoryResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        clip, _ = make_y4m(tmp, seed=11, kind="TD1", seconds=4.0, fps=20)
        for i in range(args.runs):
            run_dir = Path(tmp) / f"run{i}"
            run_dir.mkdir()
            results.append(asyncio.run(one_run(run_dir, clip)))
    cert_ms = certificate_median_ms()

    print(f"case story (book → wait → call → MRZ → form → signature → fee → certificate), {args.runs} run(s), "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'run':<5}{'clerk actions':>15}{'typed ID':>10}{'waiting s':>11}{'ID read s':>11}{'story s':>9}")
    for i, r in enumerate(results, start=1):
        print(f"{i:<5}{sum(r.clerk_actions.values()):>15}{r.typed_identity_fields:>10}{r.wait_s:>11.2f}"
              f"{r.id_read_s:>11.2f}{r.total_s:>9.1f}")
    print("clerk actions:", ", ".join(f"{k} {v}" for k, v in sorted(results[-1].clerk_actions.items())))
    print("waiting, median per step:")
    for name in results[0].waits:
        print(f"  {name:<24}{statistics.median(r.waits[name] for r in results) * 1000:>8.0f} ms")
    print(f"certificate render + sign median: {cert_ms:.1f} ms (bench/certificate.py, 20 certificates)")
    print("targets: ≤ 8 clerk actions, 0 typed identity fields, ≤ 3 s waiting, certificate ≤ 200 ms median")
    summary: dict[str, Any] = {
        "clerk_actions": max(sum(r.clerk_actions.values()) for r in results),
        "typed_identity_fields": max(r.typed_identity_fields for r in results),
        "wait_s": round(statistics.median(r.wait_s for r in results), 2),
        "certificate_median_ms": cert_ms,
        "id_read_s": round(statistics.median(r.id_read_s for r in results), 2),
        "story_s": round(statistics.median(r.total_s for r in results), 1),
        "runs": args.runs,
    }
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
