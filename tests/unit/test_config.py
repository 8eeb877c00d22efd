"""The town's configuration: catalogue, booking, mail, and the sections the case feature reads."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from videoschalter.config import ConfigError, load_config

BERLIN = ZoneInfo("Europe/Berlin")

DEPT = """
[[departments]]
id = "amt"
name = "Amt"
slot_minutes = 15
[departments.hours]
mon = ["08:00-12:00"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stadt.toml"
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def service(**fields: object) -> str:
    base: dict[str, object] = {"id": "x", "name": "X", "department": "amt", "duration_min": 15}
    base.update(fields)
    lines = []
    for key, value in base.items():
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value!r}".replace("'", '"'))
    return DEPT + "\n[[services]]\n" + "\n".join(lines) + "\n"


def test_default_catalogue_is_complete_and_realistic() -> None:
    config = load_config()
    ids = {s.id for s in config.services}
    assert {"meldebescheinigung", "anmeldung", "abmeldung", "ummeldung", "fuehrungszeugnis",
            "bewohnerparkausweis", "reisepass", "bauberatung", "sprechstunde"} <= ids
    assert {d.id for d in config.departments} == {"buergeramt", "bauamt", "buergermeisterin"}
    passport = config.service("reisepass")
    assert passport is not None and not passport.video
    assert "Fingerabdrücke" in passport.not_by_video_hint and "kiosk" in passport.not_by_video_hint.lower()
    assert config.service("fuehrungszeugnis").fee_cents == 1300
    assert 500 <= config.service("meldebescheinigung").fee_cents <= 1000
    for svc in config.services:
        assert isinstance(svc.fee_cents, int) and svc.duration_min > 0
        assert config.department(svc.department) is not None


def test_thursday_evening_hours_and_existing_fields_kept() -> None:
    config = load_config()
    buergeramt = config.department("buergeramt")
    thursday_evening = dt.datetime(2026, 11, 26, 18, 30, tzinfo=BERLIN)
    assert buergeramt.hours.is_open(thursday_evening)
    assert buergeramt.capacity_on(thursday_evening.date()) == 2
    assert buergeramt.capacity_on(dt.date(2026, 11, 23)) == 3  # Monday
    assert config.citizen_token_hours == 12 and config.clerk_session_hours == 10
    assert config.reconnect_grace_s == 15 and config.timezone == "Europe/Berlin"
    assert config.office_name == "Stadt Musterstadt" and config.ice_servers == ()


def test_office_closed_days_apply_to_every_department() -> None:
    config = load_config()
    christmas_eve = dt.datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN)  # a Thursday, not a public holiday
    assert all(not d.hours.is_open(christmas_eve) for d in config.departments)


def test_booking_and_mail_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, DEPT + '\n[booking]\nhorizon_days = 14\n[mail]\nbackend = "smtp"\n'))
    assert config.booking.horizon_days == 14
    assert config.booking.max_per_email_per_day == 2  # default for keys the town leaves out
    assert config.mail.backend == "smtp" and config.mail.starttls and config.mail.port == 587


def test_town_departments_without_services_drop_the_demo_catalogue(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, DEPT))
    assert config.services == ()


def test_per_weekday_capacity_and_department_closed_days(tmp_path: Path) -> None:
    text = DEPT.replace('slot_minutes = 15', 'slot_minutes = 15\nclerks_on_duty = { default = 2, mon = 4 }\n'
                        'closed_days = ["2026-11-30"]')
    config = load_config(write(tmp_path, text))
    amt = config.department("amt")
    assert amt.clerks_on_duty == (4, 2, 2, 2, 2, 2, 2)
    assert not amt.hours.is_open(dt.datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN))
    assert amt.hours.is_open(dt.datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (service(department="bauamt"), "services[0] (x): die Abteilung 'bauamt' gibt es nicht"),
        (service(duration_min=-15), "'duration_min' = -15 ist nicht erlaubt"),
        (service(duration_min=20), "passt nicht in das Raster"),
        (service(duration_min=None), "'duration_min' (Dauer in Minuten) fehlt"),
        (service(duraton_min=15), "unbekannte Einträge ['duraton_min']"),
        (service(fee_cents=5.5), "'fee_cents' muss eine ganze Zahl sein"),
        (service(fee_cents=-100), "'fee_cents' = -100 ist nicht erlaubt"),
        (service(video=False), "bitte 'not_by_video_hint' angeben"),
        (service(languages=["Deutsch"]), "'languages' enthält ['Deutsch']"),
        (service(documents="Ausweis"), "'documents' muss eine Liste von Texten sein"),
        (service(name=""), "services[0] (x): 'name' fehlt"),
        (service() + '\n[[services]]\nid = "x"\nname = "Y"\ndepartment = "amt"\nduration_min = 15\n',
         "services[1] (x): die id 'x' ist doppelt"),
        (DEPT.replace("slot_minutes = 15", "slot_minutes = 15\nclerks_on_duty = -1"), "clerks_on_duty: -1"),
        (DEPT.replace("slot_minutes = 15", "slot_minutes = 15\nclerks_on_duty = { mo = 2 }"),
         "unbekannte Einträge ['mo']"),
        (DEPT.replace("slot_minutes = 15", "slot_minutes = 15\nclosed_days = [\"24.12.2026\"]"),
         "'24.12.2026' ist kein Datum"),
        (DEPT.replace("slot_minutes = 15", "slot_minutes = 0"), "'slot_minutes' = 0 ist nicht erlaubt"),
        (DEPT + "\n[booking]\nhorizon_days = 0\n", "[booking]: 'horizon_days' = 0 ist nicht erlaubt"),
        (DEPT + "\n[booking]\nmax_per_email = 3\n", "[booking]: unbekannte Einträge ['max_per_email']"),
        (DEPT + '\n[mail]\nfrom_address = "rathaus"\n', "from_address = 'rathaus' ist keine gültige"),
        (DEPT + '\n[mail]\nbackend = "sendmail"\n', "backend = 'sendmail'"),
        (DEPT + '\n[mail]\npassword = "geheim"\n', "bitte kein Passwort in die Datei schreiben"),
        (DEPT + '\n[mail]\nbackend = "smtp"\nusername = "u"\n', "zu 'username' fehlt 'password_env'"),
        (DEPT + '\n[mail]\nbackend = "smtp"\nusername = "u"\npassword_env = "PW"\nstarttls = false\n',
         "Anmeldung ohne Verschlüsselung ist nicht erlaubt"),
        (DEPT + '\n[mail]\nbackend = "smtp"\nssl = true\nstarttls = true\n', "schließen sich aus"),
        (DEPT + '\n[mail]\npassword_env = "MY-PW"\n', "ist kein Name einer Umgebungsvariable"),
        (DEPT + '\n[mail]\nbase_url = "videoschalter.de"\n', "muss mit http:// oder https:// beginnen"),
        (DEPT + '\n[mail]\nport = 70000\n', "'port' = 70000 ist nicht erlaubt"),
        # [server], [office] letterhead, [certificates], [payments]
        (DEPT + '\n[server]\npublic_base_url = "videoschalter.de"\n', "[server]: public_base_url = 'videoschalter.de'"),
        (DEPT + '\n[server]\npublic_url = "https://v.de"\n', "[server]: unbekannte Einträge ['public_url']"),
        (DEPT + '\n[office]\nname = "Stadt A"\nstrasse = "Markt 1"\n', "[office]: unbekannte Einträge ['strasse']"),
        (DEPT + '\n[office]\nname = "Stadt A"\nphone = 4930123\n', "[office]: 'phone' muss ein Text sein"),
        (DEPT + '\n[certificates]\nkey_file = "a.p12"\npassword = "x"\n', "[certificates]: bitte kein Passwort"),
        (DEPT + '\n[certificates]\npassword_env = "PW"\n', "[certificates]: ['password_env'] ohne 'key_file'"),
        (DEPT + '\n[certificates]\nkey_file = "a.p12"\npassword_env = "P W"\n', "password_env = 'P W' ist kein Name"),
        (DEPT + '\n[certificates]\nkey_file = "a.p12"\npassword_env = "PW"\npassword_file = "pw"\n',
         "[certificates]: entweder 'password_file' oder 'password_env'"),
        (DEPT + '\n[certificates]\nkey_file = "a.p12"\nchain_files = "ca.pem"\n',
         "[certificates]: 'chain_files' muss eine Liste"),
        (DEPT + '\n[certificates]\nkey_file = ["a.p12"]\n', "[certificates]: 'key_file' muss ein Text sein"),
        (DEPT + '\n[payments]\nprovider = "paypal"\n', "[payments]: provider = 'paypal'; erlaubt sind"),
        (DEPT + '\n[payments]\nsecret = "hunter2"\n', "[payments]: bitte kein Geheimnis in die Datei"),
        (DEPT + '\n[payments]\nprovider = "hosted"\nmerchant_id = "m"\nsecret_env = "S"\n',
         "[payments]: 'base_url' fehlt"),
        (DEPT + '\n[payments]\nprovider = "hosted"\nbase_url = "https://pay.land.de"\nsecret_env = "S"\n',
         "[payments]: 'merchant_id' fehlt"),
        (DEPT + '\n[payments]\nprovider = "hosted"\nbase_url = "https://pay.land.de"\nmerchant_id = "m"\n',
         "genau eines von 'secret_env'"),
        (DEPT + '\n[payments]\nprovider = "hosted"\nbase_url = "https://pay.land.de"\nmerchant_id = "m"\n'
                'secret_env = "S"\nsecret_file = "/etc/s"\n', "genau eines von 'secret_env'"),
        (DEPT + '\n[payments]\nbase_url = "http://pay.land.de"\n', "base_url = 'http://pay.land.de' muss https://"),
        (DEPT + '\n[payments]\nsecret_env = "NOT A NAME"\n', "secret_env = 'NOT A NAME' ist kein Name"),
        (DEPT + '\n[payments]\ntest_mode = "yes"\n', "[payments]: 'test_mode' muss true oder false sein"),
        (DEPT + '\n[payments]\nreplay_window_s = 5\n', "[payments]: 'replay_window_s' muss eine Zahl von 30"),
        (DEPT + '\n[payments]\ntimeout_s = "20"\n', "[payments]: 'timeout_s' muss eine Zahl"),
        (DEPT + '\n[payments]\nredirect_hosts = "pay.land.de"\n', "[payments]: 'redirect_hosts' muss eine Liste"),
        (DEPT + '\n[payments]\ncreate_path = "payments"\n', "create_path = 'payments' muss mit / beginnen"),
        (DEPT + '\n[payments]\ncolour = "blue"\n', "[payments]: unbekannte Einträge ['colour']"),
    ],
)
def test_wrong_entries_are_named_in_german(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert expected in message


def test_case_sections_default_to_the_demo(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, DEPT))
    assert config.payments.provider == "sandbox" and not config.payments.test_mode
    assert config.certificates.key_file == ""  # the demo's TEST CA
    assert config.public_base_url == "http://localhost:8080"  # [mail] base_url when [server] has none
    assert config.letterhead.town == "Musterstadt" and config.letterhead.department == "Bürgerbüro"


def test_case_sections_typed_from_the_town_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, DEPT + """
        [office]
        name = "Gemeinde Neudorf"
        street = "Kirchweg 3"
        postal_code = 1067
        email = "buergerbuero@neudorf.example"

        [server]
        public_base_url = "https://videoschalter.neudorf.example/"

        [certificates]
        key_file = "/etc/videoschalter/office.p12"
        password_file = "/etc/videoschalter/office.p12.password"
        chain_files = ["/etc/videoschalter/intermediate.pem"]
        trust_roots = ["/etc/videoschalter/root.pem"]

        [payments]
        provider = "hosted"
        base_url = "https://epay.land.example/api/v1"
        merchant_id = "neudorf-kasse"
        secret_file = "/run/credentials/videoschalter/payment"
        replay_window_s = 120
    """))
    assert config.public_base_url == "https://videoschalter.neudorf.example"
    head = config.letterhead
    assert (head.town, head.street, head.postal_code, head.email) == (
        "Neudorf", "Kirchweg 3", "01067", "buergerbuero@neudorf.example")
    certs = config.certificates
    assert certs.key_file == "/etc/videoschalter/office.p12" and certs.password_env == ""
    assert certs.chain_files == ("/etc/videoschalter/intermediate.pem",)
    assert certs.trust_roots == ("/etc/videoschalter/root.pem",)
    pay = config.payments
    assert (pay.provider, pay.merchant_id, pay.secret_env) == ("hosted", "neudorf-kasse", "")
    assert pay.replay_window_s == 120.0
    assert pay.secret_file == "/run/credentials/videoschalter/payment" and pay.create_path == "/payments"


def test_plain_http_only_for_a_platform_on_this_machine(tmp_path: Path) -> None:
    text = DEPT + '\n[payments]\nprovider = "hosted"\nbase_url = "http://127.0.0.1:9000"\nmerchant_id = "m"\n'
    config = load_config(write(tmp_path, text + 'secret_env = "S"\n'))
    assert config.payments.base_url == "http://127.0.0.1:9000"


def test_relative_files_are_next_to_the_town_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service starts in / or in the home folder, not where IT put the file: the file's folder counts."""
    etc = tmp_path / "etc"
    etc.mkdir()
    monkeypatch.chdir(tmp_path)
    path = etc / "stadt.toml"
    path.write_text(textwrap.dedent(DEPT + """
        [mail]
        ca_file = "relay-ca.pem"
        [cases]
        key_file = "keys/case.key"
        [certificates]
        key_file = "office.p12"
        password_file = "/run/secrets/office.password"
        chain_files = ["chain/intermediate.pem", "/etc/ssl/root.pem"]
        [payments]
        provider = "hosted"
        base_url = "https://epay.land.example/api/v1"
        merchant_id = "m"
        secret_file = "payment.secret"
        [waiting_room]
        pictures = "bilder"
    """), "utf-8")
    config = load_config(path)
    assert config.mail.ca_file == str(etc / "relay-ca.pem")
    assert config.cases.key_file == str(etc / "keys" / "case.key")
    assert config.certificates.key_file == str(etc / "office.p12")
    assert config.certificates.password_file == "/run/secrets/office.password"  # absolute stays
    assert config.certificates.chain_files == (str(etc / "chain" / "intermediate.pem"), "/etc/ssl/root.pem")
    assert config.payments.secret_file == str(etc / "payment.secret")
    assert config.pictures == str(etc / "bilder")
    assert load_config().certificates.key_file == ""  # the defaults name no files
