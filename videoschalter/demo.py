"""``videoschalter demo``: the whole system on one machine, ready to try.

It writes a demo configuration (every department open around the clock, so
the demo works at any hour), creates a demo clerk with a fresh random
password, starts the server, draws a walk-in number for a demo citizen,
prints that citizen's link and starts the clerk app already filled in.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from videoschalter.config import default_config_text, load_config

DEMO_USER = "demo"
ALL_DAY = "\n".join(f'{day} = ["00:00-24:00"]' for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))


def demo_config_text() -> str:
    """The default catalogue, but open around the clock, without closed days or holidays."""
    text = default_config_text()
    text = re.sub(r"\[departments\.hours\]\n(?:[a-z]{3} = \[.*\].*\n)+", f"[departments.hours]\n{ALL_DAY}\n", text)
    text = re.sub(r"^closed_days = .*$", "closed_days = []", text, flags=re.MULTILINE)
    text = re.sub(r'^name = "Stadt Musterstadt"$', 'name = "Stadt Musterstadt (Demo)"', text, flags=re.MULTILINE)
    text = re.sub(r"^state = .*$", "# state: no public holidays in the demo, so it works on any day", text,
                  flags=re.MULTILINE)
    return "# Demo: alle Abteilungen rund um die Uhr geöffnet.\n" + text


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("Der Server ist beim Start beendet worden; siehe die Meldungen oben.")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"Der Server antwortet nicht unter {url}.")


def _draw_number(url: str) -> str:
    body = json.dumps({"department": "buergeramt", "name": "Erika Mustermann (Demo)"}).encode()
    req = urllib.request.Request(f"{url}/api/v1/tickets", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return url + json.load(res)["url"]


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_demo(data: Path, port: int, clerk_app: bool = True) -> int:
    # SIGTERM (e.g. from a service manager) must also stop the server child, via ``finally``.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    data.mkdir(parents=True, exist_ok=True)
    config_path = data / "videoschalter.toml"
    if not config_path.exists():
        config_path.write_text(demo_config_text(), "utf-8")
    load_config(config_path)  # fail early, with the file named, if someone edited it wrongly
    password = secrets.token_urlsafe(12)
    cli = [sys.executable, "-m", "videoschalter"]
    subprocess.run([*cli, "add-clerk", DEMO_USER, "--data", str(data), "--display-name", "Demo-Sachbearbeitung"],
                   input=password + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*cli, "server", "--data", str(data), "--port", str(port)])
    try:
        _wait_healthy(url, server)
        link = _draw_number(url)
        print(f"""
============================================================
 Videoschalter läuft (Demo, Daten in {data.resolve()})
 Startseite für Bürgerinnen und Bürger:  {url}/
 Persönlicher Link einer wartenden Bürgerin (im Browser öffnen):
   {link}
 Sachbearbeitung: Benutzer "{DEMO_USER}", Passwort "{password}"
 Mails (Termine) landen im Ordner {(data / "mail").resolve()}
 Beenden: Strg+C
============================================================
""", flush=True)
        if clerk_app and _has_display():
            env = {**os.environ, "VIDEOSCHALTER_PASSWORD": password}
            subprocess.run([*cli, "clerk", "--server", url, "--username", DEMO_USER], env=env, check=False)
        else:
            if clerk_app:
                print("Kein Bildschirm gefunden: die Sachbearbeitungs-App startet nicht. "
                      f"Auf einem Rechner mit Bildschirm: videoschalter clerk --server {url}", flush=True)
            server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0
