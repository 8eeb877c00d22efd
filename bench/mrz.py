"""Benchmark of the MRZ reader on generated webcam frames, against plain passporteye as the baseline.

Run: .venv/bin/python bench/mrz.py [--frames N] [--baseline-frames M] [--seed S] [--level L] [--names unseen]
[--log FILE] [--json]

Counts a frame as *right* when the reported MRZ equals the printed one character for character, *wrong* when a
result is reported that differs (must stay 0), otherwise as not read. Times are wall-clock per frame on one
pinned core with one thread, frame generation excluded.
"""

from __future__ import annotations

import os

for _var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.mrz.checkdigit import ALPHABET  # noqa: E402
from hardware.mrz.layouts import allowed_chars  # noqa: E402
from hardware.mrz.reader import FrameRead, read_frame  # noqa: E402
from tests.mrzgen import make_sample  # noqa: E402

KINDS = ["TD1", "TD2", "TD3"]
SIZES = [(1280, 720), (1280, 720), (960, 540), (640, 480)]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def baseline_read(frame: np.ndarray) -> list[str] | None:
    """passporteye.read_mrz on the frame as a PNG stream; the MRZ lines if it calls its read valid."""
    from passporteye import read_mrz as pe_read

    _, png = cv2.imencode(".png", frame[..., ::-1])
    mrz = pe_read(io.BytesIO(png.tobytes()))
    if mrz is None or not mrz.valid:
        return None
    return [ln for ln in mrz.aux["text"].split("\n") if ln.strip()]


def failure_cause(sample, fr: FrameRead) -> str:
    """Why a frame was not read, judged against the truth: detection, grid, or what the OCR made of it."""
    if not fr.bands:
        return "no band found"
    centre = sample.mrz_quad.mean(axis=0)
    size = float(np.linalg.norm(sample.mrz_quad[1] - sample.mrz_quad[0]))
    if not any(np.linalg.norm(b.quad.mean(axis=0) - centre) < 0.3 * size for b in fr.bands):
        return "band found, but not on the MRZ"
    if fr.scores is None:
        return "grid: line ends do not fit the cell grid"
    truth = "".join(sample.identity.lines)
    if fr.layout is None or fr.layout.name != sample.identity.type:
        return "wrong layout (line count/length)"
    # the best character each position allows (digits in dates, ...), as the decoder starts from
    allowed = allowed_chars(fr.layout, issuing_state=sample.identity.lines[0][2:5])
    read = "".join(max(chars, key=lambda c: fr.scores[i, ALPHABET.index(c)]) for i, chars in enumerate(allowed))
    errors = sum(a != b for a, b in zip(read, truth, strict=True))
    what = "text right" if errors == 0 else ("1-2 chars misread" if errors <= 2 else ">= 3 chars misread")
    return f"refused ({fr.reason}): {what}"


def stats(ms: list[float]) -> tuple[float, float]:
    return (float(np.median(ms)), float(np.percentile(ms, 90))) if ms else (float("nan"), float("nan"))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--baseline-frames", type=int, default=30, help="passporteye is slow: run it on a subset")
    ap.add_argument("--seed", type=int, default=424242)
    ap.add_argument("--level", choices=["clean", "webcam", "hard"], default="webcam")
    ap.add_argument("--names", choices=["list", "unseen"], default="list",
                    help="unseen: names no training or evaluation frame carries (same documents and conditions)")
    ap.add_argument("--log", type=Path, help="one JSON line per frame: index, seed, outcome, cause")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object with the figures")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")  # passporteye triggers scikit-image deprecation warnings
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    samples = [make_sample(args.seed + i, kind=KINDS[i % 3], size=SIZES[i % len(SIZES)], level=args.level,
                           names=args.names) for i in range(args.frames)]
    log = args.log.open("w") if args.log else None
    read_frame(samples[0].frame)  # warm-up: template rendering, imports
    right = wrong = 0
    ms_all: list[float] = []
    ms_720: list[float] = []
    per_kind = {k: [0, 0] for k in KINDS}
    causes: dict[str, int] = {}
    for i, s in enumerate(samples):
        t0 = time.perf_counter()
        fr = read_frame(s.frame)  # what read_mrz does; the FrameRead also says why a frame was not read
        ms = (time.perf_counter() - t0) * 1000
        r = fr.result
        cause = None
        if r is None:
            cause = failure_cause(s, fr)
            causes[cause] = causes.get(cause, 0) + 1
        if log:
            outcome = "none" if r is None else ("right" if tuple(r.mrz) == s.identity.lines else "wrong")
            log.write(json.dumps({"i": i, "seed": args.seed + i, "outcome": outcome, "cause": cause,
                                  "read": None if r is None else list(r.mrz), "ms": round(ms, 1)}) + "\n")
            log.flush()
        ms_all.append(ms)
        if s.frame.shape[:2] == (720, 1280):
            ms_720.append(ms)
        per_kind[s.identity.type][1] += 1
        if r is not None:
            if tuple(r.mrz) == s.identity.lines:
                right += 1
                per_kind[s.identity.type][0] += 1
            else:
                wrong += 1
                print("WRONG:", r.mrz, "truth:", list(s.identity.lines), file=sys.stderr)

    b_right = b_wrong = 0
    b_ms: list[float] = []
    base = samples[:args.baseline_frames]
    try:
        for s in base:
            t0 = time.perf_counter()
            lines = baseline_read(s.frame)
            b_ms.append((time.perf_counter() - t0) * 1000)
            if lines is not None:
                if tuple(lines) == s.identity.lines:
                    b_right += 1
                else:
                    b_wrong += 1
    except ImportError:
        base = []

    med, p90 = stats(ms_all)
    med720, p90_720 = stats(ms_720)
    bmed, bp90 = stats(b_ms)
    n = len(samples)
    print(f"MRZ benchmark: {n} generated frames ({args.level}), TD1/TD2/TD3 mixed, 1280x720/960x540/640x480")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; pinned to 1 core, 1 thread")
    print(f"{'reader':<26}{'frames':>8}{'right':>10}{'wrong':>8}{'median ms':>11}{'p90 ms':>9}")
    print(f"{'hardware.mrz':<26}{n:>8}{right / n:>10.1%}{wrong:>8}{med:>11.1f}{p90:>9.1f}")
    print(f"{'  of which 1280x720':<26}{len(ms_720):>8}{'':>10}{'':>8}{med720:>11.1f}{p90_720:>9.1f}")
    if base:
        share = b_right / len(base)
        print(f"{'passporteye (subset)':<26}{len(base):>8}{share:>10.1%}{b_wrong:>8}{bmed:>11.1f}{bp90:>9.1f}")
        print(f"speed-up vs baseline (median): {bmed / med:.1f}x; baseline measured on the first {len(base)} frames")
    print("right per type: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in per_kind.items()))
    print(f"not read: {sum(causes.values())} frames, by cause (reason of the first band read; decoder reasons in"
          " docs/mrz.md)")
    for cause, count in sorted(causes.items(), key=lambda kv: -kv[1]):
        print(f"{count:>6}  {cause}")
    if args.json:
        print(json.dumps({
            "total": n, "right": right, "wrong": wrong, "median_ms": round(med, 1), "p90_ms": round(p90, 1),
            "median_ms_1280x720": round(med720, 1), "baseline_frames": len(base), "baseline_right": b_right,
            "baseline_wrong": b_wrong, "baseline_median_ms": round(bmed, 1) if base else None,
            "level": args.level, "cpu": cpu_model(), "not_read_by_cause": causes,
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
