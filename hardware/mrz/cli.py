"""``videoschalter mrz IMAGE...``: read the MRZ of image files, one JSON object per line per image."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from .reader import read_mrz

FIELDS = ("type", "mrz", "document_number", "issuing_state", "nationality", "surname", "given_names", "birth_date",
          "expiry_date", "sex")


def read_file(path: str) -> dict[str, Any]:
    """The JSON record for one image file."""
    import cv2

    t0 = time.perf_counter()
    image = cv2.imread(path, cv2.IMREAD_COLOR) if os.path.isfile(path) else None
    if image is None:
        return {"file": path, "ok": False, "error": "cannot read image", "ms": round((time.perf_counter() - t0) * 1000)}
    result = read_mrz(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    ms = round((time.perf_counter() - t0) * 1000)
    if result is None:
        return {"file": path, "ok": False, "ms": ms}
    data = result.to_json_dict()
    return {"file": path, "ok": True, **{k: data[k] for k in FIELDS}, "ms": ms}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on usage errors, 0 otherwise, even if nothing was read)."""
    parser = argparse.ArgumentParser(prog="videoschalter mrz", description="Read the MRZ of ID documents in images.")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image file (PNG, JPEG, ...)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    for path in args.images:
        print(json.dumps(read_file(path), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
