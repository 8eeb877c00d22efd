"""Start the real server as a subprocess on 127.0.0.1 and a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ALWAYS_OPEN = "\n".join(f'{day} = ["00:00-24:00"]' for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))

TEST_CONFIG = f"""
[office]
name = "Teststadt"
state = "NW"

[security]
reconnect_grace_s = {{grace}}
joins_per_client_per_minute = {{joins}}

[[departments]]
id = "buergeramt"
name = "Bürgeramt"
[departments.hours]
{ALWAYS_OPEN}

[[departments]]
id = "bauamt"
name = "Bauamt"
[departments.hours]
{ALWAYS_OPEN}

[[departments]]
id = "standesamt"
name = "Standesamt"
[departments.hours]
mon = ["09:00-09:01"]

[booking]
max_per_client_per_day = 1000

[mail]
base_url = "http://127.0.0.1:8080"

[[services]]
id = "meldebescheinigung"
name = "Meldebescheinigung"
department = "buergeramt"
duration_min = 15
fee_cents = 500
documents = ["Personalausweis oder Reisepass"]

[[services]]
id = "bauberatung"
name = "Bauberatung"
department = "bauamt"
duration_min = 30
documents = ["Lageplan"]

[[services]]
id = "reisepass"
name = "Reisepass"
department = "buergeramt"
duration_min = 15
video = false
not_by_video_hint = "Für den Reisepass kommen Sie bitte ins Bürgeramt."
"""

CLERK_PASSWORD = "richtig-geheim-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "videoschalter", *args], input=stdin, text=True,
                          capture_output=True, timeout=60, check=False)


@dataclass
class ServerProcess:
    data: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self, grace: float = 3.0, joins: int = 10) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / "videoschalter.toml").write_text(TEST_CONFIG.format(grace=grace, joins=joins), "utf-8")

    def add_clerk(self, username: str = "anna", departments: tuple[str, ...] = ("buergeramt",)) -> None:
        args = ["add-clerk", username, "--data", str(self.data), "--display-name", username.title()]
        for dept in departments:
            args += ["--department", dept]
        result = run_cli(*args, stdin=CLERK_PASSWORD + "\n")
        assert result.returncode == 0, result.stderr

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "videoschalter", "server", "--data", str(self.data), "--port", str(self.port)],
            env=env, stdout=open(self.data / "server.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + (self.data / "server.log").read_text())
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as res:
                    if res.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not come up")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run, as in a crash."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
