"""Sending mails without blocking the event loop.

``MaildirSender`` is the embedded default: every mail lands as a file in the
data folder, readable with any mail program, so a demo or a test needs no
mail server. ``SmtpSender`` talks to the town's relay with the standard
library in a worker thread. Failures become ``MailError`` with a German text
that says what to check; the password only ever comes from the environment.
"""

from __future__ import annotations

import abc
import asyncio
import mailbox
import os
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from videoschalter.config import MailSettings


class MailError(RuntimeError):
    """A mail could not be handed over; the text says what to check."""


class MailSender(abc.ABC):
    @abc.abstractmethod
    async def send(self, message: EmailMessage) -> None:
        """Hand the message over for delivery, or raise ``MailError``."""


class MaildirSender(MailSender):
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _add(self, message: EmailMessage) -> str:
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(self.folder, create=True)
        try:
            return box.add(message)
        finally:
            box.close()

    async def send(self, message: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._add, message)
        except OSError as exc:
            raise MailError(f"Mail konnte nicht im Ordner {self.folder} abgelegt werden: {exc}") from exc


class SmtpSender(MailSender):
    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = True,
        use_ssl: bool = False,
        username: str = "",
        password: str | None = None,
        timeout_s: float = 20.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if username and password is None:
            raise MailError("Für die Anmeldung am Mailserver fehlt das Passwort")
        self.host, self.port = host, port
        self.starttls, self.use_ssl = starttls, use_ssl
        self.username, self._password = username, password
        self.timeout_s = timeout_s
        self.ssl_context = ssl_context or ssl.create_default_context()

    def __repr__(self) -> str:  # never show the password in logs
        tls = "ssl" if self.use_ssl else "starttls" if self.starttls else "none"
        return f"SmtpSender({self.host}:{self.port}, tls={tls}, user={self.username!r})"

    @classmethod
    def from_settings(
        cls,
        settings: MailSettings,
        environ: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> SmtpSender:
        environ = os.environ if environ is None else environ
        password = None
        if settings.username:
            password = environ.get(settings.password_env)
            if password is None:
                raise MailError(
                    f"Die Umgebungsvariable {settings.password_env} mit dem Passwort "
                    "für den Mailserver ist nicht gesetzt"
                )
        if ssl_context is None:
            try:
                ssl_context = ssl.create_default_context(cafile=settings.ca_file or None)
            except (OSError, ssl.SSLError) as exc:
                raise MailError(f"Die Zertifikatsdatei {settings.ca_file} kann nicht gelesen werden: {exc}") from exc
        return cls(
            settings.host,
            settings.port,
            starttls=settings.starttls,
            use_ssl=settings.ssl,
            username=settings.username,
            password=password,
            timeout_s=settings.timeout_s,
            ssl_context=ssl_context,
        )

    def _deliver(self, message: EmailMessage) -> None:
        where = f"{self.host}:{self.port}"
        try:
            if self.use_ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout_s, context=self.ssl_context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with client:
                client.ehlo()
                if self.starttls and not self.use_ssl:
                    if not client.has_extn("starttls"):
                        raise MailError(
                            f"Der Mailserver {where} bietet kein STARTTLS an; ohne Verschlüsselung wird nicht gesendet"
                        )
                    client.starttls(context=self.ssl_context)
                    client.ehlo()
                if self.username:
                    client.login(self.username, self._password or "")
                client.send_message(message)
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"Der Mailserver {where} hat die Anmeldung abgelehnt: Benutzername und Passwort prüfen"
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(exc.recipients)
            raise MailError(f"Der Mailserver {where} hat den Empfänger abgelehnt: {refused}") from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MailError(f"Der Mailserver {where} hat den Absender {exc.sender} abgelehnt") from exc
        except ssl.SSLError as exc:
            raise MailError(f"Verschlüsselung mit {where} gescheitert (Zertifikat? ca_file?): {exc}") from exc
        except TimeoutError as exc:
            raise MailError(f"Der Mailserver {where} antwortet nicht (Zeitüberschreitung)") from exc
        except smtplib.SMTPException as exc:
            if isinstance(exc.__context__, TimeoutError):  # smtplib wraps a read timeout as "disconnected"
                raise MailError(f"Der Mailserver {where} antwortet nicht (Zeitüberschreitung)") from exc
            raise MailError(f"Fehler beim Versand über {where}: {exc}") from exc
        except OSError as exc:
            raise MailError(f"Der Mailserver {where} ist nicht erreichbar: {exc}") from exc

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._deliver, message)


def sender_from_config(
    settings: MailSettings, data_dir: Path, environ: Mapping[str, str] | None = None
) -> MailSender:
    """The sender the town configured; call at start so a missing password shows at once."""
    if settings.backend == "smtp":
        return SmtpSender.from_settings(settings, environ)
    folder = Path(settings.maildir)
    return MaildirSender(folder if folder.is_absolute() else Path(data_dir) / folder)
