"""Start the clerk app from the installed bundle (``videoschalter-clerk.exe``).

The server address comes from, first match wins:

1. ``--server URL`` on the command line,
2. the environment variable ``VIDEOSCHALTER_SERVER``,
3. ``videoschalter-clerk.ini`` next to the executable (the MSI writes it from
   its ``SERVERURL`` property)::

       [videoschalter]
       server = https://buergerbuero.example.de

4. ``http://127.0.0.1:8080`` (the developer default of ``videoschalter clerk``).

This file deliberately does not go through ``videoschalter.cli``: that module
also reaches the server, the demo and the MRZ reader, and PyInstaller would
follow those imports into the bundle.
"""

from __future__ import annotations

import argparse
import configparser
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

APP_NAME = "videoschalter-clerk"
ENV_SERVER = "VIDEOSCHALTER_SERVER"
INI_NAME = f"{APP_NAME}.ini"
INI_SECTION = "videoschalter"
DEFAULT_SERVER = "http://127.0.0.1:8080"

log = logging.getLogger("videoschalter.launcher")


def app_dir() -> Path:
    """The folder of the executable (frozen) or of this script (from source)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent


def read_ini(path: Path) -> dict[str, str]:
    """The ``[videoschalter]`` section of the ini file, or nothing if it is missing or unreadable."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("%s ignored: %s", path, exc)
        return {}
    try:
        # utf-8-sig: Notepad may write a byte order mark. Windows Installer writes the
        # ANSI code page (cp1252 on German Windows), which matters only for non-ASCII host names.
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        parser.read_string(text, source=str(path))
    except (UnicodeDecodeError, configparser.Error) as exc:
        log.warning("%s ignored: %s", path, exc)
        return {}
    return dict(parser[INI_SECTION]) if parser.has_section(INI_SECTION) else {}


def default_server(ini_path: Path) -> tuple[str, str]:
    """The server address without ``--server``, and where it came from."""
    env = os.environ.get(ENV_SERVER, "").strip()
    if env:
        return env, f"Umgebungsvariable {ENV_SERVER}"
    server = read_ini(ini_path).get("server", "").strip()
    if server:
        return server, str(ini_path)
    return DEFAULT_SERVER, "Standardwert"


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"Ungültige Serveradresse {url!r} (erwartet: https://server.example.de)")
    return url.rstrip("/")


def _message_box(text: str, error: bool) -> None:
    """Windowed builds on Windows have no console: show help and errors in a message box."""
    import ctypes

    flags = 0x10 if error else 0x40  # MB_ICONERROR / MB_ICONINFORMATION
    ctypes.windll.user32.MessageBoxW(None, text, "Videoschalter", flags)


def say(text: str, error: bool = False) -> None:
    stream = sys.stderr if error else sys.stdout
    if stream is not None:
        print(text, file=stream)
    elif sys.platform == "win32":
        _message_box(text, error)


class _Parser(argparse.ArgumentParser):
    def _print_message(self, message: str, file=None) -> None:  # type: ignore[no-untyped-def, override]
        if message:
            say(message.rstrip("\n"), error=file is sys.stderr)


def build_parser(server: str, source: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=APP_NAME, description="Videoschalter – Sachbearbeitungs-App")
    parser.add_argument("--server", default=server,
                        help=f"Adresse des Videoschalter-Servers (jetzt: {server}, aus: {source})")
    parser.add_argument("--username", help="Benutzername im Anmeldedialog vorbelegen")
    parser.add_argument("--ice-host", action="append", default=None,
                        help="Eigene ICE-Adresse(n), z. B. 127.0.0.1 für Tests auf einem Rechner")
    parser.add_argument("--log-file", type=Path, help="Protokoll in diese Datei schreiben")
    parser.add_argument("--check", nargs="?", const="-", metavar="DATEI",
                        help="Nur prüfen: Serveradresse, Herkunft und mitgelieferte Dateien anzeigen "
                             "(oder in DATEI schreiben), dann beenden")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser


def _version() -> str:
    from videoschalter import __version__

    return __version__


def default_log_file() -> Path | None:
    """Without a console, log to a per-user file so IT has something to look at."""
    if sys.stderr is not None:
        return None
    base = os.environ.get("LOCALAPPDATA") or str(Path.home() / ".local" / "state")
    return Path(base) / "Videoschalter" / f"{APP_NAME}.log"


def setup_logging(log_file: Path | None) -> None:
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    if log_file is None:
        logging.basicConfig(level=logging.INFO, format=fmt)
        return
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(level=logging.INFO, format=fmt, filename=log_file, encoding="utf-8")
    except OSError:
        logging.basicConfig(level=logging.INFO, format=fmt, handlers=[logging.NullHandler()])


def check_report(server: str, source: str, ini_path: Path) -> tuple[str, bool]:
    """What ``--check`` shows: enough for IT to see that the install is complete and configured, and
    whether every part the app loads later (MRZ reader, forms, QtPdf) works from the bundle."""
    from importlib import resources

    root = resources.files("videoschalter")
    config_ok = root.joinpath("default_config.toml").is_file()
    locales = sorted(
        f"{lang.name}/{po.name}"
        for lang in root.joinpath("locale").iterdir() if lang.is_dir()
        for po in lang.joinpath("LC_MESSAGES").iterdir() if po.name.endswith(".po")
    )
    import cv2
    import PySide6
    from bundle_checks import run_checks  # next to this file, also in the bundle

    import clerk_app.main  # noqa: F401  (the whole app imports)

    checks, ok = run_checks()
    report = "\n".join([
        f"{APP_NAME} {_version()}",
        f"Server: {server} (aus: {source})",
        f"INI-Datei: {ini_path} ({'vorhanden' if ini_path.exists() else 'nicht vorhanden'})",
        f"default_config.toml: {'ok' if config_ok else 'FEHLT'}",
        f"Übersetzungen: {', '.join(locales) or 'KEINE'}",
        f"PySide6 {PySide6.__version__}, OpenCV {cv2.__version__}",
        *checks,
        "Prüfung: " + ("alles in Ordnung" if ok and config_ok and locales else "FEHLER, siehe oben"),
    ])
    return report, ok and config_ok and bool(locales)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_API", "pyside6")  # qasync: never look for another Qt binding
    ini_path = app_dir() / INI_NAME
    server, source = default_server(ini_path)
    parser = build_parser(server, source)
    args = parser.parse_args(argv)
    if args.server != server:
        source = "Kommandozeile"
    try:
        server = check_url(args.server.strip())
    except ValueError as exc:
        say(f"{exc}\nQuelle: {source}", error=True)
        return 2
    if args.check:
        report, ok = check_report(server, source, ini_path)
        if args.check == "-":
            say(report)
        else:  # for build scripts: a windowed build has no console to print to
            Path(args.check).write_text(report + "\n", encoding="utf-8")
        return 0 if ok else 1
    setup_logging(args.log_file or default_log_file())
    log.info("%s %s, server %s (from %s)", APP_NAME, _version(), server, source)
    from clerk_app.main import run

    return run(server, username=args.username, ice_hosts=args.ice_host)


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # the ID check's worker process starts this same executable
    raise SystemExit(main())
