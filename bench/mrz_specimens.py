"""MRZ reader on images of real specimen documents (not our generator), as published and as webcam frames.

Why: ``bench/mrz.py`` draws its cards with our own generator (``tests/mrzgen``), and the line recogniser was
trained on frames of that generator (other seeds). These six images were made by others: an ICAO 9303 specimen
passport (TD3), a Dutch ID card specimen (TD1), a UK passport specimen scan (TD3), a camera photo of an Icelandic
specimen passport (TD3), and the German Personalausweis (TD1, back) and Reisepass (TD3) specimens "Erika
Mustermann". They ship in the distributions of three PyPI packages (blitzid and xmrzapp, MIT; ausweiskopie,
MPL-2.0); the images themselves are government/ICAO specimens without a stated licence, so they are **not** copied
into this repository: the script downloads the sdists with ``pip download`` (a package registry, which the machine
may reach) into a cache folder and checks every image's SHA-256.

Each image is read as published, then in ``--variants`` webcam frames per image: the image placed in a
1280x720/960x540/640x480 frame over a room background with an MRZ character pitch of 8.5-20 px, turned up to
+-12 deg with perspective jitter, and degraded by ``tests.mrzgen.scenes.apply_conditions`` (light, glare, blur,
motion blur, noise, JPEG). The print is real; the camera is still ours.

Run: .venv/bin/python bench/mrz_specimens.py [--variants 50] [--level webcam] [--json]
"""

from __future__ import annotations

import os

for _var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tarfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.mrz import cpu_model, stats  # noqa: E402
from hardware.mrz.reader import read_frame  # noqa: E402
from tests.mrzgen.scenes import apply_conditions, background  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "videoschalter" / "mrz-specimens"
SIZES = [(1280, 720), (1280, 720), (960, 540), (640, 480)]


@dataclass(frozen=True)
class Specimen:
    name: str
    sdist: str  # pip requirement of the source distribution that holds the image
    member: str  # path inside the sdist
    sha256: str
    what: str
    mrz: tuple[str, ...]  # as printed (typed from the image; every check digit holds)


SPECIMENS = [
    Specimen("icao-td3", "blitzid==0.3.6", "blitzid-0.3.6/images/td3_passport_specimen.jpg",
             "b10eaf493f12ff47ab654cbfb4558e1e3871da3c22ef6d60056d4c70f6167d12",
             "ICAO 9303 specimen passport (Utopia), artwork, 663x437",
             ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")),
    Specimen("nld-td1", "blitzid==0.3.6", "blitzid-0.3.6/images/nl_td1_id_specimen.jpg",
             "b47c761d980ef061f3172dfa406b99c4202d638b13bc482b6298208d9d63d54c",
             "Dutch ID card specimen, front and back, 500x628",
             ("I<NLDSPECI20142999999990<<<<<8", "6503101F2403096NLD<<<<<<<<<<<8", "DE<BRUIJN<<WILLEKE<LISELOTTE<<")),
    Specimen("gbr-td3", "xmrzapp==25.10.9", "xmrzapp-25.10.9/examples/example.jpg",
             "1ad06e04cab1bc1e9ba7469c2cea7b499ba3168113a1767cd9b29f0550cc7caf",
             "UK passport specimen, scan, 500x338",
             ("P<GBRUNITED<KINGDOM<FIVE<<JODIE<PIPPA<<<<<<<", "1071857032GBR8501178F1601312<<<<<<<<<<<<<<02")),
    Specimen("isl-td3", "xmrzapp==25.10.9", "xmrzapp-25.10.9/examples/example1.jpg",
             "1c9d58306e149e393debe471bae6914f733abbf2279d310a9d1aed37c83206a9",
             "Icelandic specimen passport, camera photo of the open booklet, 3000x2250",
             ("PAISLAEVARSDOTTIR<<THURIDUR<OESP<<<<<<<<<<<<", "A3536444<7ISL1212123<3103108121212<1239<<<68")),
    # German specimens (Erika Mustermann) as shipped by the MPL-2.0 package ausweiskopie (identical in 0.1.0-0.1.4).
    # Left out: its vorlaeufiger Personalausweis (TD2) prints the document number C<0000000, a filler inside the
    # number, which the reader refuses on purpose (German numbers have no '<'; '<' and '0' weigh the same, 0, in
    # the check digit, so a 0 read as '<' could never be caught).
    Specimen("deu-td1", "ausweiskopie==0.1.4", "ausweiskopie-0.1.4/src/ausweiskopie/resources/npa_back.png",
             "ad7937ef2a05e8cfc3d808d17b39eb557c9e0606633877fc9fded36a743e6df8",
             "German Personalausweis (2021) back, specimen artwork, 708x447",
             ("IDD<<L01X00T471<<<<<<<<<<<<<<<", "8308126<3108011D<<2108<<<<<<<7", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<")),
    Specimen("deu-td3", "ausweiskopie==0.1.4", "ausweiskopie-0.1.4/src/ausweiskopie/resources/passport.png",
             "34d091df3825a2a8d8ad7b49cbd79eb74737b4621d925c81cb87db0ed8de7e63",
             "German Reisepass data page, specimen artwork, 472x332 (MRZ glyphs ~10 px high)",
             ("P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "CZ6311T472D<<8308126F34050192405<<<<<<<<<<10")),
]


def fetch(cache: Path) -> dict[str, np.ndarray]:
    """The specimen images (RGB), downloaded once into ``cache``; a changed file is an error, not a result."""
    cache.mkdir(parents=True, exist_ok=True)
    images: dict[str, np.ndarray] = {}
    for sp in SPECIMENS:
        path = cache / f"{sp.name}.jpg"
        if not path.is_file():
            dl = cache / "sdists"
            pkg, version = sp.sdist.split("==")
            if not any(dl.glob(f"{pkg}-{version}.tar.gz")):
                got = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
                                      ":all:", "--ignore-requires-python", "--dest", str(dl), sp.sdist])
                if got.returncode != 0:
                    raise SystemExit(f"could not download {sp.sdist} from PyPI (pip exit {got.returncode}); "
                                     f"the specimen images come from that package, see the docstring")
            archive = next(dl.glob(f"{pkg}-{version}.tar.gz"))
            with tarfile.open(archive) as tar:
                member = tar.extractfile(sp.member)
                if member is None:
                    raise SystemExit(f"{archive.name} has no {sp.member}")
                path.write_bytes(member.read())
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sp.sha256:
            raise SystemExit(f"{path}: SHA-256 differs from the image the truth was typed from")
        images[sp.name] = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)[..., ::-1].copy()
    return images


def webcam_frame(rng: random.Random, image: np.ndarray, mrz_quad: np.ndarray, chars: int, level: str) -> np.ndarray:
    """``image`` as a webcam would show it: scaled to an MRZ pitch of 8.5-20 px, turned by up to 12 deg with some
    perspective, in a room, degraded like ``bench/mrz.py``'s frames. ``mrz_quad`` is the MRZ band in ``image``."""
    w, h = SIZES[rng.randrange(len(SIZES))]
    mrz_len = float(np.linalg.norm(mrz_quad[1] - mrz_quad[0]))
    scale = min(rng.uniform(8.5, 20.0) * chars / mrz_len, 0.9 * w / mrz_len)
    # shrink first with area averaging (a camera integrates light; a plain warp of a 3000 px photo would alias)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    k = small.shape[1] / image.shape[1]  # image -> small
    s = scale / k  # small -> frame
    centre = mrz_quad.mean(axis=0) * k
    ang = np.deg2rad(rng.uniform(-12, 12))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]) * s
    ext = np.abs(rot @ np.array([0.5 * mrz_len * k, 0])) + np.abs(rot @ np.array([0, 0.1 * mrz_len * k]))
    lo, hi = ext + 4, np.array([w, h]) - ext - 4
    target = np.array([rng.uniform(lo[0], max(lo[0], hi[0])), rng.uniform(lo[1], max(lo[1], hi[1]))])
    ih, iw = small.shape[:2]
    src = np.float32([[0, 0], [iw, 0], [iw, ih], [0, ih]])
    dst = (src - centre) @ rot.T + target
    dst += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * 0.02 * s * min(iw, ih)
    H = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    frame = cv2.warpPerspective(small, H, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT,
                                dst=background(rng, w, h))
    out, _ = apply_conditions(rng, frame, dst.astype(np.float32), level)
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", type=int, default=50, help="webcam frames per specimen")
    ap.add_argument("--level", choices=["clean", "webcam", "hard"], default="webcam")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--json", action="store_true", help="last line: one JSON object with the figures")
    args = ap.parse_args(argv)
    images = fetch(args.cache)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rows = []
    totals = {"right": 0, "wrong": 0, "total": 0}
    ms_all: list[float] = []
    for sp in SPECIMENS:
        image = images[sp.name]
        first = read_frame(image)
        published = first.result is not None and tuple(first.result.mrz) == sp.mrz
        if first.result is not None and not published:
            print("WRONG (published image):", sp.name, first.result.mrz, file=sys.stderr)
        if first.band is None:
            raise SystemExit(f"{sp.name}: no MRZ band found in the published image; cannot place it in frames")
        rng = random.Random(f"{args.seed}-{sp.name}")
        right = wrong = 0
        for _ in range(args.variants):
            frame = webcam_frame(rng, image, first.band.quad, len(sp.mrz[0]), args.level)
            t0 = time.perf_counter()
            r = read_frame(frame).result
            ms_all.append((time.perf_counter() - t0) * 1000)
            if r is not None and tuple(r.mrz) == sp.mrz:
                right += 1
            elif r is not None:
                wrong += 1
                print("WRONG:", sp.name, r.mrz, file=sys.stderr)
        rows.append((sp, published, right, wrong))
        totals["right"] += right
        totals["wrong"] += wrong
        totals["total"] += args.variants
    med, p90 = stats(ms_all)
    print(f"MRZ on real specimen documents: as published, and {args.variants} {args.level} frames each")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; pinned to 1 core, 1 thread")
    print(f"{'specimen':<10}{'published':>11}{'frames':>8}{'right':>8}{'wrong':>7}  what")
    for sp, published, right, wrong in rows:
        status = "right" if published else "not read"
        print(f"{sp.name:<10}{status:>11}{args.variants:>8}{right:>8}{wrong:>7}  {sp.what}")
    n = max(totals["total"], 1)
    print(f"{'all':<10}{sum(p for _, p, _, _ in rows):>9}/{len(rows)}{totals['total']:>8}{totals['right']:>8}"
          f"{totals['wrong']:>7}  {totals['right'] / n:.1%} right; median {med:.1f} ms, p90 {p90:.1f} ms")
    if args.json:
        print(json.dumps({"published_right": sum(p for _, p, _, _ in rows), "published_total": len(rows),
                          "total": totals["total"], "right": totals["right"], "wrong": totals["wrong"],
                          "median_ms": round(med, 1), "p90_ms": round(p90, 1), "level": args.level,
                          "per_specimen": {sp.name: {"published": p, "right": r, "wrong": w}
                                           for sp, p, r, w in rows}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
