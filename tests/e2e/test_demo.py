"""The README's first command ends in ``videoschalter demo``: it must come up and print a working link."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.server import free_port

pytestmark = pytest.mark.e2e


def test_demo_starts_server_and_prints_a_working_citizen_link(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "videoschalter", "demo", "--data", str(tmp_path / "data"),
                             "--port", str(port), "--no-clerk-app"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        assert proc.stdout is not None
        output = ""
        deadline = time.monotonic() + 60
        while "Beenden" not in output and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output += line
        link = re.search(r"(http://127\.0\.0\.1:\d+/w/[A-Za-z0-9_-]+)", output)
        password = re.search(r'Passwort "([^"]+)"', output)
        assert link and password, output
        with urllib.request.urlopen(link.group(1), timeout=5) as res:
            assert res.status == 200 and "Warteraum" in res.read().decode()
        login = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/clerk/login",
                                       data=f'{{"username":"demo","password":"{password.group(1)}"}}'.encode(),
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(login, timeout=10) as res:
            assert res.status == 200
        assert (tmp_path / "data" / "videoschalter.db").exists()
    finally:
        proc.terminate()
        proc.wait(20)
    with pytest.raises(OSError):  # the demo took its server down with it
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
