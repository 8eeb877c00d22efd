"""Benchmark of the stream reader as the clerk sees it: how soon a held-up card is read, and whether ever wrong.

Run: .venv/bin/python bench/mrz_stream.py [--clips N] [--seed S] [--level L] [--timeout SECONDS] [--log FILE]
[--json]

Each clip is the document and webcam conditions of one ``make_sample`` seed, held by a swaying hand
(``tests.mrzgen.held``): every frame has its own pose, smear and sensor noise; asked to come closer, the citizen
does, a second after the hint appears (``--still``: they ignore hints). The clerk app's worker is simulated on
one pinned core: it reads the newest frame of a 30 fps camera when it is idle, at most ``--fps`` times a second
(``clerk_app.id_check``), so a slow frame delays the next. The time to a result is simulated time from the first
frame the card is in view: the sum of real read times and the idle waits. A clip is *right* when the stream
reader's first stable result is the printed MRZ, *wrong* when it is anything else (must stay 0), otherwise
not read before ``--timeout``.
"""

from __future__ import annotations

import os

for _var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.mrz import KINDS, SIZES, cpu_model  # noqa: E402
from hardware.mrz import MrzStreamReader  # noqa: E402
from tests.mrzgen.held import held_card  # noqa: E402
from tests.mrzgen.identities import REFERENCE_DAY  # noqa: E402

CAMERA_FPS = 30


def run_clip(card, fps: float, timeout: float, follow: bool = True) -> dict:
    """Feed the clip to a fresh stream reader the way the clerk app's worker does; what happened, and when."""
    reader = MrzStreamReader(today=REFERENCE_DAY)
    truth = card.scene.identity.lines
    t = 0.0
    frames = frame_wrong = frame_right = 0
    trace: list[tuple[float, str]] = []  # per frame: camera time and valid read right (r), wrong (w) or none (-)
    hints: list[str] = []
    wrong_reads: list[list[str]] = []
    outcome, seconds, read = "none", None, None
    while t <= timeout:
        shot = math.floor(t * CAMERA_FPS) / CAMERA_FPS  # the newest frame the camera has delivered
        frame = card.frame(shot).frame
        t0 = time.perf_counter()
        fb = reader.feed(frame)
        took = time.perf_counter() - t0
        frames += 1
        mark = "-"
        if fb.frame_result is not None:
            if tuple(fb.frame_result.mrz) == truth:
                frame_right, mark = frame_right + 1, "r"
            else:
                frame_wrong, mark = frame_wrong + 1, "w"
                wrong_reads.append(list(fb.frame_result.mrz))
        trace.append((round(shot, 4), mark))
        hints.append(fb.hint)
        if follow:
            card.follow_hint(fb.hint, t + took)
        if fb.result is not None:
            outcome = "right" if tuple(fb.result.mrz) == truth else "wrong"
            seconds, read = t + took, list(fb.result.mrz)
            break
        t += max(1 / fps, took)
    return {"outcome": outcome, "s": seconds, "frames": frames, "frame_right": frame_right,
            "frame_wrong": frame_wrong, "read": read, "trace": trace, "wrong_reads": wrong_reads, "hints": hints,
            "closer_at": card.approach_at}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=300)
    ap.add_argument("--seed", type=int, default=600_000, help="first seed; away from the training and frame sets")
    ap.add_argument("--level", choices=["clean", "webcam", "hard"], default="webcam")
    ap.add_argument("--fps", type=float, default=6.0, help="the clerk app's cap on frames read per second")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds of holding the card before giving up")
    ap.add_argument("--still", action="store_true", help="the citizen ignores the hints (never comes closer)")
    ap.add_argument("--log", type=Path, help="one JSON line per clip")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object with the figures")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    log = args.log.open("w") if args.log else None
    MrzStreamReader().feed(held_card(args.seed).frame(0).frame)  # warm-up: templates, models, imports
    outcomes = {"right": 0, "wrong": 0, "none": 0}
    seconds: list[float] = []
    frames_total = frame_wrong = asked_closer = 0
    for i in range(args.clips):
        seed = args.seed + i
        card = held_card(seed, kind=KINDS[i % 3], size=SIZES[i % len(SIZES)], level=args.level)
        clip = run_clip(card, args.fps, args.timeout, follow=not args.still)
        outcomes[clip["outcome"]] += 1
        asked_closer += "closer" in clip["hints"]
        frames_total += clip["frames"]
        frame_wrong += clip["frame_wrong"]
        if clip["outcome"] == "right":
            seconds.append(clip["s"])
        elif clip["outcome"] == "wrong":
            print("WRONG:", clip["read"], "truth:", list(card.scene.identity.lines), file=sys.stderr)
        if log:
            log.write(json.dumps({"i": i, "seed": seed, "pitch": round(card.scene.pitch, 2), **clip}) + "\n")
            log.flush()

    n = args.clips
    s = np.array(seconds) if seconds else np.array([np.nan])
    within = {lim: int((s <= lim).sum()) for lim in (0.5, 1.0, 2.0)}
    med, p90 = float(np.median(s)), float(np.percentile(s, 90))
    print(f"MRZ stream benchmark: {n} held-up cards ({args.level}), TD1/TD2/TD3 mixed, 1280x720/960x540/640x480;"
          f" worker at most {args.fps:g} frames/s, gives up after {args.timeout:g} s;"
          f" {'the citizen ignores hints' if args.still else 'the citizen follows the hint to come closer'}")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; pinned to 1 core, 1 thread")
    print(f"{'clips':>6}{'right':>9}{'wrong':>7}{'not read':>10}{'<=0.5 s':>9}{'<=1 s':>8}{'<=2 s':>8}"
          f"{'median s':>10}{'p90 s':>8}")
    print(f"{n:>6}{outcomes['right'] / n:>9.1%}{outcomes['wrong']:>7}{outcomes['none']:>10}"
          f"{within[0.5] / n:>9.1%}{within[1.0] / n:>8.1%}{within[2.0] / n:>8.1%}{med:>10.2f}{p90:>8.2f}")
    print(f"frames read: {frames_total}; single frames with a valid but wrong read (held back by the stream rule):"
          f" {frame_wrong}; clips asked to come closer: {asked_closer}")
    if args.json:
        print(json.dumps({
            "clips": n, "right": outcomes["right"], "wrong": outcomes["wrong"], "not_read": outcomes["none"],
            "within_0_5s": within[0.5], "within_1s": within[1.0], "within_2s": within[2.0],
            "median_s": round(med, 2), "p90_s": round(p90, 2), "frames": frames_total, "frame_wrong": frame_wrong,
            "asked_closer": asked_closer, "citizen": "still" if args.still else "follows",
            "level": args.level, "fps": args.fps, "timeout_s": args.timeout, "cpu": cpu_model(),
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
