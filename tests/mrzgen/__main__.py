"""``python -m tests.mrzgen frames DIR [--n N] [--seed S] [--level webcam]`` or ``... y4m DIR [--kind TD1]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2

from .scenes import make_samples
from .video import make_y4m


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.mrzgen")
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("frames", help="write PNG frames and truth.jsonl")
    f.add_argument("dir")
    f.add_argument("--n", type=int, default=20)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--level", choices=["clean", "webcam", "hard"], default="webcam")
    v = sub.add_parser("y4m", help="write a .y4m clip of a document being held up")
    v.add_argument("dir")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--kind", choices=["TD1", "TD2", "TD3"], default="TD1")
    v.add_argument("--seconds", type=float, default=3.0)
    v.add_argument("--fps", type=int, default=20)
    args = p.parse_args(argv)
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    if args.cmd == "frames":
        with (out / "truth.jsonl").open("w") as truth:
            for i, s in enumerate(make_samples(args.n, seed=args.seed, level=args.level)):
                name = f"frame-{args.seed}-{i:04d}.png"
                cv2.imwrite(str(out / name), s.frame[..., ::-1])
                truth.write(json.dumps({"file": name, "mrz": list(s.identity.lines)}) + "\n")
    else:
        path, identity = make_y4m(out, args.seed, args.kind, args.seconds, args.fps)
        print(json.dumps({"file": str(path), "mrz": list(identity.lines)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
