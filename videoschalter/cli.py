"""The ``videoschalter`` command: server, clerk app, demo, accounts, MRZ reader."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="videoschalter", description="Virtuelles Bürgerbüro")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("server", help="Server starten (Seiten, API, Signalisierung)")
    p.add_argument("--data", type=Path, required=True, help="Datenordner (SQLite, Dateien)")
    p.add_argument("--config", type=Path, help="Konfigurationsdatei (TOML) der Stadt")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)

    p = sub.add_parser("add-clerk", help="Sachbearbeiter/in anlegen oder Passwort ändern (Passwort über stdin)")
    p.add_argument("username")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--config", type=Path)
    p.add_argument("--display-name")
    p.add_argument("--department", action="append", help="Abteilungs-id (mehrfach möglich; Standard: alle)")

    p = sub.add_parser("clerk", help="Die Sachbearbeitungs-App starten")
    p.add_argument("--server", default="http://127.0.0.1:8080")
    p.add_argument("--username")
    p.add_argument("--ice-host", action="append", default=None,
                   help="Eigene ICE-Adresse(n), z. B. 127.0.0.1 für Tests auf einem Rechner")

    p = sub.add_parser("demo", help="Server, Demo-Konto, Sachbearbeitungs-App und einen Bürger-Link starten")
    p.add_argument("--data", type=Path, default=Path("data"))
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--no-clerk-app", action="store_true", help="nur Server und Link (ohne Bildschirm)")

    p = sub.add_parser("mrz", help="Maschinenlesbare Zone aus Bildern lesen (JSON je Zeile)")
    p.add_argument("images", nargs="+")

    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "mrz":
        parser.error(f"unbekannte Argumente: {' '.join(rest)}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = {"server": _server, "add-clerk": _add_clerk, "clerk": _clerk, "demo": _demo, "mrz": _mrz}
    return handler[args.command](args)


def _load_config(path: Path | None):  # type: ignore[no-untyped-def]
    from videoschalter.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"Fehler in der Konfiguration: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _server(args: argparse.Namespace) -> int:
    from aiohttp import web

    from signaling.app import init_app

    config = args.config or (args.data / "videoschalter.toml")
    app = init_app(_load_config(config if config.exists() else None), args.data)
    print(f"videoschalter server listening on http://{args.host}:{args.port}", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    return 0


def _add_clerk(args: argparse.Namespace) -> int:
    from signaling.auth import hash_password
    from signaling.storage import Storage

    config = _load_config(args.config or _existing(args.data / "videoschalter.toml"))
    departments = args.department or [d.id for d in config.departments]
    unknown = [d for d in departments if config.department(d) is None]
    if unknown:
        print(f"Unbekannte Abteilung(en): {', '.join(unknown)}", file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass("Passwort: ")
        if getpass.getpass("Passwort wiederholen: ") != password:
            print("Die Passwörter stimmen nicht überein", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("Das Passwort muss mindestens 8 Zeichen haben", file=sys.stderr)
        return 2
    args.data.mkdir(parents=True, exist_ok=True)
    storage = Storage(args.data / "videoschalter.db")
    try:
        clerk = storage.add_clerk(args.username, args.display_name or args.username, hash_password(password),
                                  departments)
    finally:
        storage.close()
    print(f"Konto {clerk.username!r} für {', '.join(clerk.departments)} gespeichert")
    return 0


def _existing(path: Path) -> Path | None:
    return path if path.exists() else None


def _clerk(args: argparse.Namespace) -> int:
    from clerk_app.main import run

    return run(args.server, username=args.username, ice_hosts=args.ice_host)


def _demo(args: argparse.Namespace) -> int:
    from videoschalter.demo import run_demo

    return run_demo(args.data, args.port, clerk_app=not args.no_clerk_app)


def _mrz(args: argparse.Namespace) -> int:
    from hardware.mrz.cli import main as mrz_main

    return mrz_main(args.images)


if __name__ == "__main__":
    raise SystemExit(main())
