"""Sending appointment mails: into a maildir, and through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import mailbox
import socket
import ssl
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from videoschalter.config import Config, MailSettings, load_config
from videoschalter.mail.appointment import MailAppointment, personal_link
from videoschalter.mail.messages import confirmation_mail
from videoschalter.mail.sender import MaildirSender, MailError, SmtpSender, sender_from_config

HOST = "127.0.0.1"
START = dt.datetime(2026, 11, 26, 18, 30, tzinfo=ZoneInfo("Europe/Berlin"))


# --- helpers ---------------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "videoschalter-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def check_login(server: object, session: object, envelope: object, mechanism: str, auth_data: object) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"rathaus" and auth_data.password == b"geheim"
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config()


@pytest.fixture
def message(config: Config) -> EmailMessage:
    appt = MailAppointment.for_service(
        config,
        config.service("meldebescheinigung"),
        booking_id="b-7",
        start=START,
        citizen_name="Jörg Weiß",
        citizen_email="joerg@beispiel.de",
        link=personal_link("https://videoschalter.musterstadt.de", "abc"),
    )
    return confirmation_mail(appt, config.mail)


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname=HOST, port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox, hostname=HOST, port=port, tls_context=server_ctx, require_starttls=True,
        authenticator=check_login, auth_required=True,
    )
    controller.start()
    yield inbox, port, cert
    controller.stop()


def assert_is_our_mail(raw: bytes) -> None:
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["To"].addresses[0].display_name == "Jörg Weiß"
    assert msg["Subject"] == "Ihr Videotermin: Meldebescheinigung am 26.11.2026"
    assert "https://videoschalter.musterstadt.de/termin/abc" in msg.get_body(("plain",)).get_content()
    [part] = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == "b-7@videoschalter.musterstadt.de"
    assert event.decoded("DTSTART") == START
    assert "https://videoschalter.musterstadt.de/termin/abc" in str(event["DESCRIPTION"])


# --- maildir -----------------------------------------------------------------------------------


def test_maildir_sender_stores_a_readable_mail(tmp_path: Path, message: EmailMessage) -> None:
    sender = MaildirSender(tmp_path / "daten" / "mail")
    asyncio.run(sender.send(message))
    box = mailbox.Maildir(tmp_path / "daten" / "mail", create=False)
    [stored] = list(box)
    assert_is_our_mail(stored.as_bytes())


def test_maildir_sender_reports_an_unusable_folder(tmp_path: Path, message: EmailMessage) -> None:
    blocker = tmp_path / "datei"
    blocker.write_text("kein Ordner")
    with pytest.raises(MailError, match="nicht im Ordner"):
        asyncio.run(MaildirSender(blocker / "mail").send(message))


def test_default_config_sends_into_the_data_folder(tmp_path: Path, config: Config, message: EmailMessage) -> None:
    sender = sender_from_config(config.mail, tmp_path)
    assert isinstance(sender, MaildirSender) and sender.folder == tmp_path / "mail"


# --- SMTP ---------------------------------------------------------------------------------------


def test_smtp_without_tls_delivers_to_a_real_server(plain_server: tuple[Inbox, int], message: EmailMessage) -> None:
    inbox, port = plain_server
    asyncio.run(SmtpSender(HOST, port, starttls=False, timeout_s=5).send(message))
    [(mail_from, rcpt_tos, raw)] = inbox.received
    assert mail_from == "videoschalter@musterstadt.example" and rcpt_tos == ["joerg@beispiel.de"]
    assert_is_our_mail(raw)


def test_starttls_with_login_via_config(
    tls_server: tuple[Inbox, int, Path], message: EmailMessage
) -> None:
    inbox, port, cert = tls_server
    settings = MailSettings(
        backend="smtp", host=HOST, port=port, starttls=True, username="rathaus",
        password_env="VS_TEST_SMTP_PW", ca_file=str(cert), timeout_s=5,
    )
    sender = sender_from_config(settings, Path("."), environ={"VS_TEST_SMTP_PW": "geheim"})
    assert "geheim" not in repr(sender)
    asyncio.run(sender.send(message))
    [(_, _, raw)] = inbox.received
    assert_is_our_mail(raw)


def test_wrong_password_is_a_clear_error(tls_server: tuple[Inbox, int, Path], message: EmailMessage) -> None:
    inbox, port, cert = tls_server
    sender = SmtpSender(
        HOST, port, username="rathaus", password="falsch", timeout_s=5,
        ssl_context=ssl.create_default_context(cafile=str(cert)),
    )
    with pytest.raises(MailError, match="hat die Anmeldung abgelehnt"):
        asyncio.run(sender.send(message))
    assert inbox.received == []


def test_untrusted_certificate_is_refused(tls_server: tuple[Inbox, int, Path], message: EmailMessage) -> None:
    inbox, port, _ = tls_server
    sender = SmtpSender(HOST, port, username="rathaus", password="geheim", timeout_s=5)  # system CAs only
    with pytest.raises(MailError, match=r"Verschlüsselung mit .* gescheitert"):
        asyncio.run(sender.send(message))
    assert inbox.received == []


def test_server_without_starttls_gets_nothing(plain_server: tuple[Inbox, int], message: EmailMessage) -> None:
    inbox, port = plain_server
    with pytest.raises(MailError, match="bietet kein STARTTLS an"):
        asyncio.run(SmtpSender(HOST, port, starttls=True, timeout_s=5).send(message))
    assert inbox.received == []


def test_unreachable_server(message: EmailMessage) -> None:
    with pytest.raises(MailError, match="nicht erreichbar"):
        asyncio.run(SmtpSender(HOST, free_port(), timeout_s=5).send(message))


def test_silent_server_times_out(message: EmailMessage) -> None:
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        port = listener.getsockname()[1]
        accepted: list[socket.socket] = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
        thread.start()
        with pytest.raises(MailError, match="Zeitüberschreitung"):
            asyncio.run(SmtpSender(HOST, port, timeout_s=0.3).send(message))
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()


def test_missing_password_variable_fails_at_start() -> None:
    settings = MailSettings(backend="smtp", host="mail.example.org", username="u", password_env="VS_NOT_SET_PW")
    with pytest.raises(MailError, match="Umgebungsvariable VS_NOT_SET_PW"):
        sender_from_config(settings, Path("."), environ={})


def test_implicit_tls_port_465_style(tmp_path: Path, message: EmailMessage) -> None:
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname=HOST, port=port, ssl_context=server_ctx)
    controller.start()
    try:
        settings = MailSettings(backend="smtp", host=HOST, port=port, ssl=True, starttls=False, ca_file=str(cert))
        asyncio.run(sender_from_config(settings, tmp_path).send(message))
    finally:
        controller.stop()
    [(_, _, raw)] = inbox.received
    assert_is_our_mail(raw)
