"""The provider the ``[payments]`` section asks for (``config.payments``, checked in ``videoschalter.config``).

A missing or unreadable secret is a German ``ConfigError`` at start-up that names the
variable or file, never the value – not a failure at the citizen's first payment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from videoschalter.config import ConfigError, PaymentSettings
from videoschalter.payments.hosted import HostedPageProvider, HostedPageSettings
from videoschalter.payments.providers import PaymentProvider
from videoschalter.payments.sandbox import SandboxProvider, load_or_create_secret
from videoschalter.payments.signature import MIN_SECRET_BYTES, SeenStore

SANDBOX_SECRET_FILE = "sandbox-payment.key"

__all__ = ["SANDBOX_SECRET_FILE", "PaymentSettings", "hosted_settings", "make_provider", "payment_secret"]


def hosted_settings(settings: PaymentSettings) -> HostedPageSettings:
    """The platform's part of ``[payments]``, for :class:`HostedPageProvider`."""
    try:
        return HostedPageSettings(
            base_url=settings.base_url, merchant_id=settings.merchant_id, secret_env=settings.secret_env,
            create_path=settings.create_path, test_mode=settings.test_mode,
            replay_window_s=settings.replay_window_s, timeout_s=settings.timeout_s,
            redirect_hosts=settings.redirect_hosts)
    except ValueError as exc:
        raise ConfigError(f"[payments]: {exc}") from exc


def payment_secret(settings: PaymentSettings, environ: Mapping[str, str] | None = None) -> bytes:
    """The shared HMAC secret from ``secret_env`` or ``secret_file`` (its first line), as UTF-8 bytes.

    On POSIX a secret file that group or others may read is refused: on a shared machine the
    secret would be as good as published. systemd's ``LoadCredential=`` files pass (mode 0400).
    """
    if settings.secret_file:
        path = Path(settings.secret_file)
        where = f"[payments] secret_file = {str(path)!r}"
        try:
            if os.name == "posix" and path.stat().st_mode & 0o077:
                raise ConfigError(f"{where}: die Datei dürfen auch andere lesen; bitte: chmod 600 {path}")
            lines = path.read_bytes().splitlines()
        except OSError as exc:
            raise ConfigError(f"{where}: Datei nicht lesbar ({exc.strerror or exc})") from exc
        secret = lines[0].strip() if lines else b""
    else:
        where = f"[payments] secret_env = {settings.secret_env!r}"
        value = (os.environ if environ is None else environ).get(settings.secret_env, "")
        if not value:
            raise ConfigError(f"{where}: die Umgebungsvariable {settings.secret_env} mit dem Geheimnis der "
                              "Zahlungsplattform ist nicht gesetzt")
        secret = value.encode("utf-8")
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(f"{where}: das Geheimnis ist kürzer als {MIN_SECRET_BYTES} Bytes")
    return secret


def make_provider(
    settings: PaymentSettings,
    *,
    public_base_url: str,
    data_dir: Path,
    seen: SeenStore,
    environ: Mapping[str, str] | None = None,
) -> PaymentProvider | None:
    """The configured provider, or None for "off"."""
    if settings.provider == "off":
        return None
    if settings.provider == "sandbox":
        return SandboxProvider(public_base_url, load_or_create_secret(data_dir / SANDBOX_SECRET_FILE), seen=seen)
    if settings.provider != "hosted":
        raise ConfigError(f"[payments]: provider = {settings.provider!r} ist unbekannt")
    return HostedPageProvider(hosted_settings(settings), payment_secret(settings, environ), seen=seen)
