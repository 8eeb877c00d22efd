"""Pictures of the town for the waiting room, from a folder the town configures.

Only files directly in that folder with a picture extension are served, looked
up by exact name (no paths), so the folder cannot be used to reach other files.
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

from signaling.keys import CONFIG
from signaling.pages import WEB_ROOT

TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
         ".svg": "image/svg+xml"}
SVG_TITLE = re.compile(r"<title>([^<]{1,200})</title>")


def folder(request: web.Request) -> Path:
    configured = request.app[CONFIG].pictures
    return Path(configured) if configured else WEB_ROOT / "img" / "town"


def caption(path: Path) -> str:
    """An SVG's <title>, else the file name: '02_stadt_park.jpg' → 'Stadt park'."""
    if path.suffix == ".svg":
        match = SVG_TITLE.search(path.read_text("utf-8", errors="replace")[:4000])
        if match:
            return match.group(1).strip()
    words = re.sub(r"^\d+[_ -]*", "", path.stem).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def listing(request: web.Request) -> dict[str, Path]:
    root = folder(request)
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if p.is_file() and p.suffix.lower() in TYPES}


async def pictures(request: web.Request) -> web.Response:
    items = [{"url": f"/pictures/{name}", "caption": caption(path)} for name, path in listing(request).items()]
    return web.json_response({"pictures": items}, headers={"Cache-Control": "public, max-age=300"})


async def picture(request: web.Request) -> web.FileResponse:
    path = listing(request).get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound(text="Kein solches Bild")
    return web.FileResponse(path, headers={"Content-Type": TYPES[path.suffix.lower()],
                                           "Cache-Control": "public, max-age=3600"})
