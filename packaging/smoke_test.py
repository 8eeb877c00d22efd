"""Check a PyInstaller build of the clerk app from the outside.

    python packaging/smoke_test.py [DIST_DIR]      (default /tmp/vs-dist/videoschalter-clerk)

Runs the built executable: ``--version``, ``--help``, ``--check`` (all modules
import, data files found) with the server address from the command line, the
environment and ``videoschalter-clerk.ini``, and finally starts the app with
``QT_QPA_PLATFORM=offscreen`` against an unused port: it must show the login
dialog and stay up until it is stopped. For console builds (Linux, macOS);
a windowed Windows build prints nothing, there use ``--check FILE``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "videoschalter-clerk"
INI = f"{NAME}.ini"


def main(argv: list[str]) -> int:
    dist = Path(argv[0] if argv else "/tmp/vs-dist/videoschalter-clerk").resolve()
    exe = dist / (NAME + (".exe" if sys.platform == "win32" else ""))
    env = {k: v for k, v in os.environ.items() if k != "VIDEOSCHALTER_SERVER"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    results: list[tuple[str, bool, str]] = []

    def run(*args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60,
                              env={**env, **(extra_env or {})})

    def check(name: str, ok: bool, detail: str = "") -> None:
        results.append((name, ok, detail))
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f"\n     {detail}" if detail and not ok else ""))

    if sys.platform.startswith("linux"):
        # A library the spec dropped but a bundled plugin still links shows up here, not at start-up.
        missing = []
        for lib in sorted((dist / "_internal").rglob("*.so*")):
            if lib.is_file() and not lib.is_symlink():
                out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True).stdout
                # A wheel's vendored library (scipy.libs/libgfortran) may name a sibling it does not find by
                # itself: the extension module that loads both has DT_RPATH, which the loader applies to it too.
                missing += [f"{lib.relative_to(dist)}: {line.split()[0]}" for line in out.splitlines()
                            if "not found" in line and not (lib.parent / line.split()[0]).is_file()]
        check("every bundled library finds its dependencies (ldd)", not missing, "\n     ".join(missing))

    r = run("--version")
    check("--version", r.returncode == 0 and NAME in r.stdout, r.stdout + r.stderr)
    r = run("--help")
    check("--help", r.returncode == 0 and "--server" in r.stdout, r.stdout + r.stderr)
    r = run("--check")
    check("--check: modules import, data files present",
          r.returncode == 0 and "default_config.toml: ok" in r.stdout and ".po" in r.stdout, r.stdout + r.stderr)
    check("default server", "Server: http://127.0.0.1:8080 (aus: Standardwert)" in r.stdout, r.stdout)
    # bundle_checks.py, run inside the bundle: each part must come from the bundle, not from this machine
    lines = r.stdout.splitlines()
    for name, start, good, from_bundle in (
        ("MRZ reader: font and model from the bundle, read in the worker", "MRZ:", "Hintergrundprozess ok", True),
        ("form definitions load from the bundle", "Formulare:", "Formulare: 5 aus", True),
        ("QtPdf opens and renders a PDF", "PDF-Anzeige", "(QtPdf): ok", False),
        ("ID-copy stamp renders", "Ausweiskopie-Stempel", ": ok", False),
    ):
        line = next((x for x in lines if x.startswith(start)), "")
        inside = "_internal" in line and "NICHT aus dem Paket" not in line
        check(name, good in line and (inside or not from_bundle), line or r.stdout + r.stderr)
    r = run("--check", extra_env={"VIDEOSCHALTER_SERVER": "https://env.example.de"})
    check("server from VIDEOSCHALTER_SERVER", "Server: https://env.example.de (aus: Umgebungsvariable" in r.stdout,
          r.stdout + r.stderr)

    ini = dist / INI
    if ini.exists():
        check(f"{INI} test skipped: one is already there", True)
    else:
        try:
            ini.write_text("[videoschalter]\r\nserver=https://ini.example.de/\r\n", encoding="cp1252")
            r = run("--check")
            check(f"server from {INI}", "Server: https://ini.example.de (aus:" in r.stdout, r.stdout + r.stderr)
            r = run("--check", "--server", "https://cli.example.de")
            check("--server beats the ini", "Server: https://cli.example.de (aus: Kommandozeile)" in r.stdout,
                  r.stdout + r.stderr)
        finally:
            ini.unlink(missing_ok=True)
    r = run("--server", "ftp://nope")
    check("bad address refused", r.returncode == 2 and "Ungültige Serveradresse" in r.stderr, r.stdout + r.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "run.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen([str(exe), "--server", "http://127.0.0.1:9"], stdout=log, stderr=subprocess.STDOUT,
                                    env=env)
            time.sleep(8)
            alive = proc.poll() is None
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        output = log_path.read_text(errors="replace")
    bad = [line for line in output.splitlines() if "Error" in line or "Traceback" in line]
    check("starts offscreen and stays up for 8 s", alive and not bad, output)

    failed = sum(not ok for _, ok, _ in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
