"""The town's configuration: one readable TOML file, validated at start.

Errors name the file, the entry and what is wrong, so a town's IT can fix
the file without reading code. Defaults come from ``default_config.toml``
beside this module; a town's file overrides them section by section.

Departments and services form one catalogue: a town file that brings its own
``[[departments]]`` but no ``[[services]]`` gets no services from the demo
catalogue (they would point at departments the town does not have).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from videoschalter.domain.hours import WEEKDAYS, HoursError, OpeningHours


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or has a wrong entry."""


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    hours: OpeningHours
    walk_in: bool = True
    clerks_on_duty: tuple[int, ...] = (1, 1, 1, 1, 1, 1, 1)  # Monday … Sunday: slot capacity
    slot_minutes: int = 15  # grid on which appointments start; service durations are multiples of it

    def capacity_on(self, day: dt.date) -> int:
        """How many citizens can be served at the same time on this (local) day."""
        return self.clerks_on_duty[day.weekday()]


@dataclass(frozen=True)
class Service:
    """One thing a citizen can come for, e.g. a Meldebescheinigung."""

    id: str
    name: str
    department: str
    duration_min: int
    fee_cents: int = 0
    documents: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("de",)
    video: bool = True
    not_by_video_hint: str = ""

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_min)


@dataclass(frozen=True)
class BookingSettings:
    horizon_days: int = 28  # how far ahead citizens may book
    min_lead_minutes: int = 60  # no booking closer to the start than this
    max_per_email_per_day: int = 2  # active appointments of one e-mail address on one day
    max_per_client_per_day: int = 5  # bookings made from one client address on one day
    reminder_hours_before: int = 24
    no_show_after_minutes: int = 15  # not in the waiting room this long after the start → no-show
    early_arrival_minutes: int = 15  # the waiting room opens this long before the start


@dataclass(frozen=True)
class MailSettings:
    backend: str = "maildir"  # "maildir" (into the data folder) or "smtp"
    maildir: str = "mail"  # folder, relative to the data folder unless absolute
    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    ssl: bool = False  # implicit TLS (port 465); excludes starttls
    username: str = ""
    password_env: str = ""  # name of the environment variable holding the password
    ca_file: str = ""  # extra CA bundle for an internal relay with its own certificate
    timeout_s: float = 20.0
    from_address: str = "videoschalter@musterstadt.example"
    from_name: str = "Videoschalter"
    base_url: str = "http://localhost:8080"  # links in mails point here


@dataclass(frozen=True)
class CaseSettings:
    """The case: how long files and personal data stay after a case is closed, upload size, key file."""

    retention_days: int = 30  # closed cases older than this lose files and personal data
    max_upload_mb: int = 10  # per uploaded file
    key_file: str = ""  # base64 key for the case files; "" = VIDEOSCHALTER_CASE_KEY or the demo's data/case.key
    key_source: str = "file"  # "file" (the above) or "keyring": the OS keyring, service "videoschalter"
    keyring_user: str = "case-files"  # the keyring entry's user name (key_source = "keyring")

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    """[server]: how people reach this server from outside (QR check links, payment return and notify URLs)."""

    public_base_url: str = ""  # e.g. "https://videoschalter.musterstadt.de"; "" = [mail] base_url


@dataclass(frozen=True)
class Letterhead:
    """The office's address as printed on certificates and receipts ([office], besides name/timezone/state)."""

    department: str = "Bürgerbüro"
    street: str = "Marktplatz 1"
    postal_code: str = "12345"
    town: str = ""  # "" = the office name without "Stadt " / "Gemeinde "
    phone: str = ""
    email: str = ""
    website: str = ""
    authority_line: str = "Die Bürgermeisterin / Der Bürgermeister"  # the line above the office name


@dataclass(frozen=True)
class CertificateSettings:
    """[certificates]: the office's signing key. Without ``key_file`` the demo signs with a local TEST CA."""

    key_file: str = ""  # PKCS#12 (.p12/.pfx) or PEM private key
    cert_file: str = ""  # PEM certificate, only with a PEM key
    chain_files: tuple[str, ...] = ()  # intermediate CA certificates, PEM or DER
    password_file: str = ""  # file holding the key's password (first line, mode 0600)
    password_env: str = ""  # or: name of an environment variable holding it
    trust_roots: tuple[str, ...] = ()  # CA certificates the server's own check of issued PDFs trusts


PAYMENT_PROVIDERS = ("off", "sandbox", "hosted")


@dataclass(frozen=True)
class PaymentSettings:
    """[payments]: which provider takes the fees. The HMAC secret itself never stands in this file."""

    provider: str = "sandbox"  # "off": no online payment; "sandbox": the demo's test page; "hosted": a platform
    base_url: str = ""  # the platform's API, https (http only for 127.0.0.1/localhost)
    merchant_id: str = ""  # the town's account (Mandant / Bewirtschafter) at the platform
    secret_env: str = ""  # name of the environment variable holding the shared secret …
    secret_file: str = ""  # … or a file holding it (first line, mode 0600)
    create_path: str = "/payments"
    test_mode: bool = False  # the platform's test environment: the citizen's page says "Testmodus"
    replay_window_s: float = 300.0  # callbacks older or newer than this are refused
    timeout_s: float = 20.0
    redirect_hosts: tuple[str, ...] = ()  # further hosts the payment page may live on (besides base_url's)


@dataclass(frozen=True)
class IceServer:
    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The shape both RTCPeerConnection (browser) and aiortc understand."""
        data: dict[str, Any] = {"urls": list(self.urls)}
        if self.username:
            data["username"] = self.username
        if self.credential:
            data["credential"] = self.credential
        return data


@dataclass(frozen=True)
class Config:
    office_name: str
    timezone: str
    state: str | None
    departments: tuple[Department, ...]
    ice_servers: tuple[IceServer, ...] = ()
    citizen_token_hours: float = 12.0
    clerk_session_hours: float = 10.0
    reconnect_grace_s: float = 15.0
    joins_per_client_per_minute: int = 10
    queue_order: str = "by_time"  # see videoschalter.domain.queue.QueueOrder
    pictures: str = ""  # folder of town pictures for the waiting room ("" = the shipped ones)
    source: str = "<default>"
    # the merged TOML, for diagnostics only: code reads the typed sections below (errors then name file and key)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    services: tuple[Service, ...] = ()
    booking: BookingSettings = field(default_factory=BookingSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    cases: CaseSettings = field(default_factory=CaseSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    letterhead: Letterhead = field(default_factory=Letterhead)
    certificates: CertificateSettings = field(default_factory=CertificateSettings)
    payments: PaymentSettings = field(default_factory=PaymentSettings)

    @property
    def public_base_url(self) -> str:
        """Where people reach this server: ``[server] public_base_url``, else ``[mail] base_url``; no trailing /."""
        return (self.server.public_base_url or self.mail.base_url).rstrip("/")

    def department(self, dept_id: str) -> Department | None:
        return next((d for d in self.departments if d.id == dept_id), None)

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def services_of(self, dept_id: str) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.department == dept_id)


def default_config_text() -> str:
    return resources.files("videoschalter").joinpath("default_config.toml").read_text("utf-8")


def load_config(path: Path | None = None) -> Config:
    """Read the default configuration and, if given, the town's file on top."""
    raw = tomllib.loads(default_config_text())
    source = "<default>"
    if path is not None:
        try:
            town = tomllib.loads(Path(path).read_text("utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: Datei nicht gefunden") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: kein gültiges TOML: {exc}") from exc
        if "departments" in town and "services" not in town:
            raw.pop("services", None)
        _resolve_paths(town, Path(path).resolve().parent)
        raw.update(town)
        source = str(path)
    try:
        return _build(raw, source)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{source}: {exc}") from exc


# file entries of the town's file; a relative one means: next to that file (a service's working
# directory is rarely where IT thinks it is). The maildir is relative to the data folder instead.
FILE_ENTRIES: dict[str, tuple[str, ...]] = {
    "mail": ("ca_file",),
    "cases": ("key_file",),
    "certificates": ("key_file", "cert_file", "chain_files", "password_file", "trust_roots"),
    "payments": ("secret_file",),
    "waiting_room": ("pictures",),
}


def _resolve_paths(town: dict[str, Any], base: Path) -> None:
    """Make the town file's relative file entries absolute, against the file's folder (in place)."""
    def absolute(value: Any) -> Any:
        if isinstance(value, str) and value.strip() and not Path(value.strip()).expanduser().is_absolute():
            return str(base / value.strip())
        return value

    for section, keys in FILE_ENTRIES.items():
        entry = town.get(section)
        if not isinstance(entry, dict):
            continue
        for key in keys:
            if isinstance(entry.get(key), list):
                entry[key] = [absolute(v) for v in entry[key]]
            elif key in entry:
                entry[key] = absolute(entry[key])


def _build(raw: dict[str, Any], source: str) -> Config:
    office = raw.get("office", {})
    _no_unknown_keys(office, _OFFICE_KEYS, f"{source}: [office]")
    timezone = office.get("timezone", "Europe/Berlin")
    state = office.get("state")
    office_closed = _closed_days(office.get("closed_days", []), f"{source}: office.closed_days")
    departments = []
    seen: set[str] = set()
    for i, entry in enumerate(raw.get("departments", [])):
        where = f"{source}: departments[{i}]"
        dept_id = entry.get("id")
        if not dept_id or not isinstance(dept_id, str) or not dept_id.isidentifier():
            raise ConfigError(f"{where}: 'id' fehlt oder ist kein einfacher Name (a-z, 0-9, _)")
        where = f"{source}: departments[{i}] ({dept_id})"
        if dept_id in seen:
            raise ConfigError(f"{where}: die id {dept_id!r} ist doppelt")
        seen.add(dept_id)
        if not entry.get("name"):
            raise ConfigError(f"{where}: 'name' fehlt")
        _no_unknown_keys(entry, _DEPARTMENT_KEYS, where)
        closed = office_closed | _closed_days(entry.get("closed_days", []), f"{where}: closed_days")
        try:
            hours = OpeningHours.from_config(entry.get("hours", {}), timezone, state, sorted(closed))
        except HoursError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
        slot_minutes = _int(entry, "slot_minutes", 15, where, low=5, high=240)
        capacity = _capacity(entry.get("clerks_on_duty", 1), f"{where}: clerks_on_duty")
        departments.append(
            Department(dept_id, entry["name"], hours, bool(entry.get("walk_in", True)), capacity, slot_minutes)
        )
    if not departments:
        raise ConfigError(f"{source}: es ist keine Abteilung ([[departments]]) eingetragen")
    services = _services(raw.get("services", []), {d.id: d for d in departments}, source)
    webrtc = raw.get("webrtc", {})
    ice = []
    for i, server in enumerate(webrtc.get("ice_servers", [])):
        urls = server.get("urls")
        if isinstance(urls, str):
            urls = [urls]
        if not urls or not all(isinstance(u, str) and u.split(":")[0] in ("stun", "turn", "turns") for u in urls):
            raise ConfigError(f"{source}: webrtc.ice_servers[{i}]: 'urls' muss stun:/turn:-Adressen enthalten")
        ice.append(IceServer(tuple(urls), server.get("username"), server.get("credential")))
    security = raw.get("security", {})
    queue = raw.get("queue", {})
    order = queue.get("order", "by_time")
    if order not in ("by_time", "appointments_first"):
        raise ConfigError(f"{source}: [queue] order muss 'by_time' oder 'appointments_first' sein, nicht {order!r}")
    waiting_room = raw.get("waiting_room", {})
    office_name = office.get("name", "Stadtverwaltung")
    return Config(
        office_name=office_name,
        timezone=timezone,
        state=state,
        departments=tuple(departments),
        ice_servers=tuple(ice),
        citizen_token_hours=float(security.get("citizen_token_hours", 12)),
        clerk_session_hours=float(security.get("clerk_session_hours", 10)),
        reconnect_grace_s=float(security.get("reconnect_grace_s", 15)),
        joins_per_client_per_minute=int(security.get("joins_per_client_per_minute", 10)),
        queue_order=order,
        pictures=str(waiting_room.get("pictures", "")),
        source=source,
        raw=raw,
        services=services,
        booking=_booking(raw.get("booking", {}), f"{source}: [booking]"),
        mail=_mail(raw.get("mail", {}), f"{source}: [mail]"),
        cases=_cases(raw.get("cases", {}), f"{source}: [cases]"),
        server=_server(raw.get("server", {}), f"{source}: [server]"),
        letterhead=_letterhead(office, office_name, f"{source}: [office]"),
        certificates=_certificates(raw.get("certificates", {}), f"{source}: [certificates]"),
        payments=_payments(raw.get("payments", {}), f"{source}: [payments]"),
    )


# --- catalogue, booking and mail sections -------------------------------------------------

_OFFICE_KEYS = {"name", "timezone", "state", "closed_days"} | {f.name for f in fields(Letterhead)}
_DEPARTMENT_KEYS = {"id", "name", "walk_in", "hours", "clerks_on_duty", "closed_days", "slot_minutes"}
_SERVICE_KEYS = {f.name for f in fields(Service)}
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SENDER = re.compile(r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")


def _no_unknown_keys(entry: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unbekannte Einträge {unknown} – erlaubt sind {sorted(allowed)}")


def _int(entry: dict[str, Any], key: str, default: int, where: str, low: int = 0, high: int | None = None) -> int:
    value = entry.get(key, default)
    if type(value) is not int:  # bool is an int subclass, and 1.5 must not pass silently
        raise ConfigError(f"{where}: '{key}' muss eine ganze Zahl sein, nicht {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"von {low} bis {high}" if high is not None else f"mindestens {low}"
        raise ConfigError(f"{where}: '{key}' = {value} ist nicht erlaubt (erwartet {bounds})")
    return value


def _closed_days(values: Any, where: str) -> frozenset[dt.date]:
    """TOML dates (2026-12-24) or ISO strings ("2026-12-24")."""
    if not isinstance(values, list):
        raise ConfigError(f"{where}: erwartet eine Liste von Daten, z. B. [2026-12-24, 2026-12-31]")
    days = set()
    for value in values:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            days.add(value)
            continue
        try:
            days.add(dt.date.fromisoformat(str(value)))
        except ValueError:
            raise ConfigError(f"{where}: {value!r} ist kein Datum (erwartet JJJJ-MM-TT)") from None
    return frozenset(days)


def _capacity(value: Any, where: str) -> tuple[int, ...]:
    """``2`` for every day, or ``{ default = 2, thu = 1 }`` per weekday."""
    if isinstance(value, dict):
        _no_unknown_keys(value, {"default", *WEEKDAYS}, where)
        default = value.get("default", 1)
        per_day = [value.get(day, default) for day in WEEKDAYS]
    else:
        per_day = [value] * 7
    for count in per_day:
        if type(count) is not int or not 0 <= count <= 100:
            raise ConfigError(f"{where}: {count!r} ist keine gültige Anzahl (ganze Zahl von 0 bis 100)")
    return tuple(per_day)


def _str_list(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: '{key}' muss eine Liste von Texten sein")
    return tuple(v.strip() for v in value)


def _services(entries: Any, departments: dict[str, Department], source: str) -> tuple[Service, ...]:
    services = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{source}: services[{i}]"
        service_id = entry.get("id")
        if not service_id or not isinstance(service_id, str) or not service_id.isidentifier():
            raise ConfigError(f"{where}: 'id' fehlt oder ist kein einfacher Name (a-z, 0-9, _)")
        where = f"{source}: services[{i}] ({service_id})"
        if service_id in seen:
            raise ConfigError(f"{where}: die id {service_id!r} ist doppelt")
        seen.add(service_id)
        _no_unknown_keys(entry, _SERVICE_KEYS, where)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: 'name' fehlt")
        dept = departments.get(entry.get("department", ""))
        if dept is None:
            raise ConfigError(
                f"{where}: die Abteilung {entry.get('department')!r} gibt es nicht "
                f"(vorhanden: {', '.join(sorted(departments))})"
            )
        if "duration_min" not in entry:
            raise ConfigError(f"{where}: 'duration_min' (Dauer in Minuten) fehlt")
        duration = _int(entry, "duration_min", 0, where, low=1, high=480)
        if duration % dept.slot_minutes:
            raise ConfigError(
                f"{where}: 'duration_min' = {duration} passt nicht in das Raster der Abteilung "
                f"{dept.id!r} ({dept.slot_minutes} Minuten); bitte ein Vielfaches davon eintragen"
            )
        languages = _str_list(entry, "languages", where) or ("de",)
        bad = [lang for lang in languages if not _LANGUAGE.fullmatch(lang)]
        if bad:
            raise ConfigError(f"{where}: 'languages' enthält {bad}; erwartet Sprachkürzel wie \"de\", \"en\", \"tr\"")
        video = entry.get("video", True)
        if not isinstance(video, bool):
            raise ConfigError(f"{where}: 'video' muss true oder false sein")
        hint = entry.get("not_by_video_hint", "")
        if not isinstance(hint, str):
            raise ConfigError(f"{where}: 'not_by_video_hint' muss ein Text sein")
        if not video and not hint.strip():
            raise ConfigError(
                f"{where}: bei video = false bitte 'not_by_video_hint' angeben "
                "(warum nicht per Video und wohin die Bürgerin gehen kann)"
            )
        services.append(
            Service(
                id=service_id,
                name=name.strip(),
                department=dept.id,
                duration_min=duration,
                fee_cents=_int(entry, "fee_cents", 0, where, low=0, high=10_000_00),
                documents=_str_list(entry, "documents", where),
                languages=languages,
                video=video,
                not_by_video_hint=hint.strip(),
            )
        )
    return tuple(services)


def _booking(entry: dict[str, Any], where: str) -> BookingSettings:
    _no_unknown_keys(entry, {f.name for f in fields(BookingSettings)}, where)
    d = BookingSettings()
    return BookingSettings(
        horizon_days=_int(entry, "horizon_days", d.horizon_days, where, low=1, high=366),
        min_lead_minutes=_int(entry, "min_lead_minutes", d.min_lead_minutes, where),
        max_per_email_per_day=_int(entry, "max_per_email_per_day", d.max_per_email_per_day, where, low=1),
        max_per_client_per_day=_int(entry, "max_per_client_per_day", d.max_per_client_per_day, where, low=1),
        reminder_hours_before=_int(entry, "reminder_hours_before", d.reminder_hours_before, where, high=24 * 14),
        no_show_after_minutes=_int(entry, "no_show_after_minutes", d.no_show_after_minutes, where, low=1),
        early_arrival_minutes=_int(entry, "early_arrival_minutes", d.early_arrival_minutes, where, high=24 * 60),
    )


def _mail(entry: dict[str, Any], where: str) -> MailSettings:
    allowed = {f.name for f in fields(MailSettings)}
    if "password" in entry:
        raise ConfigError(
            f"{where}: bitte kein Passwort in die Datei schreiben; stattdessen 'password_env' = Name "
            "einer Umgebungsvariable, die das Passwort enthält"
        )
    _no_unknown_keys(entry, allowed, where)
    d = MailSettings()
    text = {k: entry.get(k, getattr(d, k)) for k in allowed if isinstance(getattr(d, k), str)}
    for key, value in text.items():
        if not isinstance(value, str):
            raise ConfigError(f"{where}: '{key}' muss ein Text sein")
    for key in ("starttls", "ssl"):
        if not isinstance(entry.get(key, False), bool):
            raise ConfigError(f"{where}: '{key}' muss true oder false sein")
    timeout = entry.get("timeout_s", d.timeout_s)
    if type(timeout) not in (int, float) or not 1 <= timeout <= 300:
        raise ConfigError(f"{where}: 'timeout_s' muss eine Zahl von 1 bis 300 sein")
    settings = MailSettings(
        **text,
        port=_int(entry, "port", d.port, where, low=1, high=65535),
        starttls=entry.get("starttls", d.starttls),
        ssl=entry.get("ssl", d.ssl),
        timeout_s=float(timeout),
    )
    if settings.backend not in ("maildir", "smtp"):
        raise ConfigError(f"{where}: backend = {settings.backend!r}; erlaubt sind \"maildir\" und \"smtp\"")
    if not _SENDER.fullmatch(settings.from_address):
        raise ConfigError(f"{where}: from_address = {settings.from_address!r} ist keine gültige Absenderadresse")
    if not re.match(r"https?://[^/\s]+", settings.base_url):
        raise ConfigError(f"{where}: base_url = {settings.base_url!r} muss mit http:// oder https:// beginnen")
    if settings.password_env and not _ENV_NAME.fullmatch(settings.password_env):
        raise ConfigError(f"{where}: password_env = {settings.password_env!r} ist kein Name einer Umgebungsvariable")
    if settings.backend == "smtp":
        if not settings.host.strip():
            raise ConfigError(f"{where}: 'host' fehlt (SMTP-Server)")
        if settings.ssl and settings.starttls:
            raise ConfigError(f"{where}: 'ssl' und 'starttls' schließen sich aus (465 → ssl, 587 → starttls)")
        if settings.username and not settings.password_env:
            raise ConfigError(f"{where}: zu 'username' fehlt 'password_env'")
        if settings.username and not (settings.ssl or settings.starttls):
            raise ConfigError(f"{where}: Anmeldung ohne Verschlüsselung ist nicht erlaubt; bitte starttls oder ssl")
    return settings


def _cases(entry: dict[str, Any], where: str) -> CaseSettings:
    _no_unknown_keys(entry, {f.name for f in fields(CaseSettings)}, where)
    d = CaseSettings()
    key_file = entry.get("key_file", d.key_file)
    if not isinstance(key_file, str):
        raise ConfigError(f"{where}: 'key_file' muss ein Text sein (Pfad zur Schlüsseldatei oder \"\")")
    return CaseSettings(
        retention_days=_int(entry, "retention_days", d.retention_days, where, low=1, high=3650),
        max_upload_mb=_int(entry, "max_upload_mb", d.max_upload_mb, where, low=1, high=100),
        key_file=key_file.strip(),
        **_case_key_source(entry, d, key_file.strip(), where),
    )


def _case_key_source(entry: dict[str, Any], d: CaseSettings, key_file: str, where: str) -> dict[str, str]:
    """``key_source`` / ``keyring_user`` (videoschalter.cases.keys): a key file and the keyring exclude each other."""
    source, user = entry.get("key_source", d.key_source), entry.get("keyring_user", d.keyring_user)
    if source not in ("file", "keyring"):
        raise ConfigError(f"{where}: 'key_source' muss \"file\" oder \"keyring\" sein, nicht {source!r}")
    if not isinstance(user, str) or not user.strip():
        raise ConfigError(f"{where}: 'keyring_user' muss ein nicht leerer Text sein")
    if source == "keyring" and key_file:
        raise ConfigError(f"{where}: key_source = \"keyring\" und key_file schließen sich aus; bitte eines wählen")
    return {"key_source": source, "keyring_user": user.strip()}


# --- server, letterhead, certificates and payments -----------------------------------------------

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _text(entry: dict[str, Any], key: str, default: str, where: str) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' muss ein Text sein, nicht {value!r}")
    return value.strip()


def _env_name(entry: dict[str, Any], key: str, where: str) -> str:
    value = _text(entry, key, "", where)
    if value and not _ENV_NAME.fullmatch(value):
        raise ConfigError(f"{where}: {key} = {value!r} ist kein Name einer Umgebungsvariable")
    return value


def _http_url(value: str, key: str, where: str, *, https_only: bool = False) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: {key} = {value!r} muss mit http:// oder https:// und einem Rechnernamen beginnen")
    if https_only and parts.scheme != "https" and parts.hostname not in _LOCAL_HOSTS:
        raise ConfigError(f"{where}: {key} = {value!r} muss https:// verwenden (http nur für 127.0.0.1/localhost)")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: {key} = {value!r} darf kein ? oder # enthalten")
    return value.rstrip("/")


def _server(entry: dict[str, Any], where: str) -> ServerSettings:
    _no_unknown_keys(entry, {f.name for f in fields(ServerSettings)}, where)
    url = _text(entry, "public_base_url", "", where)
    return ServerSettings(public_base_url=_http_url(url, "public_base_url", where) if url else "")


def _letterhead(office: dict[str, Any], office_name: str, where: str) -> Letterhead:
    d = Letterhead()
    postal_code = office.get("postal_code")
    if type(postal_code) is int and 0 <= postal_code <= 99999:  # 01067 is no TOML number: keep the leading zero
        office = {**office, "postal_code": f"{postal_code:05d}"}
    values = {f.name: _text(office, f.name, getattr(d, f.name), where) for f in fields(Letterhead)}
    if not values["town"]:
        values["town"] = office_name.removeprefix("Stadt ").removeprefix("Gemeinde ")
    return Letterhead(**values)


def _certificates(entry: dict[str, Any], where: str) -> CertificateSettings:
    if "password" in entry:
        raise ConfigError(f"{where}: bitte kein Passwort in die Datei schreiben; stattdessen 'password_file' "
                          "(Datei mit Rechten 0600) oder 'password_env' (Name einer Umgebungsvariable)")
    _no_unknown_keys(entry, {f.name for f in fields(CertificateSettings)}, where)
    settings = CertificateSettings(
        key_file=_text(entry, "key_file", "", where), cert_file=_text(entry, "cert_file", "", where),
        chain_files=_str_list(entry, "chain_files", where), password_file=_text(entry, "password_file", "", where),
        password_env=_env_name(entry, "password_env", where), trust_roots=_str_list(entry, "trust_roots", where))
    if not settings.key_file:
        given = [k for k in ("cert_file", "chain_files", "password_file", "password_env") if getattr(settings, k)]
        if given:
            raise ConfigError(f"{where}: {given} ohne 'key_file' – bitte den Schlüssel der Behörde angeben "
                              "(ohne key_file signiert die Demo mit einer TEST-CA)")
    if settings.password_file and settings.password_env:
        raise ConfigError(f"{where}: entweder 'password_file' oder 'password_env', nicht beides")
    return settings


def _payments(entry: dict[str, Any], where: str) -> PaymentSettings:
    if "secret" in entry:
        raise ConfigError(f"{where}: bitte kein Geheimnis in die Datei schreiben; stattdessen 'secret_env' (Name "
                          "einer Umgebungsvariable) oder 'secret_file' (Datei mit Rechten 0600)")
    _no_unknown_keys(entry, {f.name for f in fields(PaymentSettings)}, where)
    d = PaymentSettings()
    provider = entry.get("provider", d.provider)
    if provider not in PAYMENT_PROVIDERS:
        raise ConfigError(f"{where}: provider = {provider!r}; erlaubt sind \"off\", \"sandbox\" und \"hosted\"")
    test_mode = entry.get("test_mode", d.test_mode)
    if not isinstance(test_mode, bool):
        raise ConfigError(f"{where}: 'test_mode' muss true oder false sein")
    hosts = entry.get("redirect_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", h)
                                              for h in hosts):
        raise ConfigError(f"{where}: 'redirect_hosts' muss eine Liste von Rechnernamen sein, z. B. [\"pay.land.de\"]")
    create_path = _text(entry, "create_path", d.create_path, where)
    if not create_path.startswith("/"):
        raise ConfigError(f"{where}: create_path = {create_path!r} muss mit / beginnen")
    base_url = _text(entry, "base_url", "", where)
    settings = PaymentSettings(
        provider=provider, base_url=_http_url(base_url, "base_url", where, https_only=True) if base_url else "",
        merchant_id=_text(entry, "merchant_id", "", where), secret_env=_env_name(entry, "secret_env", where),
        secret_file=_text(entry, "secret_file", "", where), create_path=create_path, test_mode=test_mode,
        replay_window_s=_seconds(entry, "replay_window_s", d.replay_window_s, 30, 3600, where),
        timeout_s=_seconds(entry, "timeout_s", d.timeout_s, 1, 120, where), redirect_hosts=tuple(hosts))
    if provider != "hosted":
        return settings
    for key in ("base_url", "merchant_id"):
        if not getattr(settings, key):
            raise ConfigError(f"{where}: '{key}' fehlt (nötig für provider = \"hosted\")")
    if bool(settings.secret_env) == bool(settings.secret_file):
        raise ConfigError(f"{where}: für provider = \"hosted\" genau eines von 'secret_env' (Name einer "
                          "Umgebungsvariable) oder 'secret_file' (Datei mit dem Geheimnis) angeben")
    return settings


def _seconds(entry: dict[str, Any], key: str, default: float, low: float, high: float, where: str) -> float:
    value = entry.get(key, default)
    if type(value) not in (int, float) or not low <= value <= high:
        raise ConfigError(f"{where}: '{key}' muss eine Zahl von {low:g} bis {high:g} sein, nicht {value!r}")
    return float(value)
