"""The ``[payments]`` section of the town's TOML file, and the provider it asks for.

Errors are in German and name the entry, like the rest of the configuration,
so a town's IT can fix the file without reading code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoschalter.config import ConfigError
from videoschalter.payments.hosted import HostedPageProvider, HostedPageSettings
from videoschalter.payments.providers import PaymentProvider
from videoschalter.payments.sandbox import SandboxProvider, load_or_create_secret
from videoschalter.payments.signature import DEFAULT_WINDOW_S, SeenStore

PROVIDERS = ("off", "sandbox", "hosted")
SANDBOX_SECRET_FILE = "sandbox-payment.key"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYS = {"provider", "base_url", "merchant_id", "secret_env", "create_path", "test_mode", "replay_window_s",
         "timeout_s", "redirect_hosts"}


@dataclass(frozen=True)
class PaymentSettings:
    provider: str = "sandbox"  # "off": no online payment; "sandbox": demo page; "hosted": the town's platform
    hosted: HostedPageSettings | None = None


def payment_settings(section: Mapping[str, Any], where: str = "payments") -> PaymentSettings:
    """Validate ``config.raw.get("payments", {})``."""
    unknown = set(section) - _KEYS
    if "secret" in section:
        raise ConfigError(f"{where}: bitte kein Geheimnis in die Datei schreiben; stattdessen 'secret_env' = Name "
                          "einer Umgebungsvariable, die es enthält")
    if unknown:
        raise ConfigError(f"{where}: unbekannte Einträge {sorted(unknown)}; erlaubt sind {sorted(_KEYS)}")
    provider = section.get("provider", "sandbox")
    if provider not in PROVIDERS:
        raise ConfigError(f"{where}: provider = {provider!r}; erlaubt sind \"off\", \"sandbox\" und \"hosted\"")
    if provider != "hosted":
        return PaymentSettings(provider=provider)
    for key in ("base_url", "merchant_id", "secret_env"):
        if not isinstance(section.get(key), str) or not section[key].strip():
            raise ConfigError(f"{where}: '{key}' fehlt (nötig für provider = \"hosted\")")
    if not _ENV_NAME.fullmatch(section["secret_env"]):
        raise ConfigError(f"{where}: secret_env = {section['secret_env']!r} ist kein Name einer Umgebungsvariable")
    test_mode = section.get("test_mode", False)
    if not isinstance(test_mode, bool):
        raise ConfigError(f"{where}: 'test_mode' muss true oder false sein")
    window = _number(section, "replay_window_s", DEFAULT_WINDOW_S, 30, 3600, where)
    timeout = _number(section, "timeout_s", 20.0, 1, 120, where)
    hosts = section.get("redirect_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise ConfigError(f"{where}: 'redirect_hosts' muss eine Liste von Rechnernamen sein")
    create_path = section.get("create_path", "/payments")
    if not isinstance(create_path, str):
        raise ConfigError(f"{where}: 'create_path' muss ein Text sein")
    try:
        hosted = HostedPageSettings(
            base_url=section["base_url"].strip(), merchant_id=section["merchant_id"].strip(),
            secret_env=section["secret_env"], create_path=create_path, test_mode=test_mode,
            replay_window_s=window, timeout_s=timeout, redirect_hosts=tuple(hosts),
        )
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    return PaymentSettings(provider="hosted", hosted=hosted)


def _number(section: Mapping[str, Any], key: str, default: float, low: float, high: float, where: str) -> float:
    value = section.get(key, default)
    if type(value) not in (int, float) or not low <= value <= high:
        raise ConfigError(f"{where}: '{key}' muss eine Zahl von {low:g} bis {high:g} sein")
    return float(value)


def make_provider(
    settings: PaymentSettings,
    *,
    public_base_url: str,
    data_dir: Path,
    seen: SeenStore,
    environ: Mapping[str, str] | None = None,
) -> PaymentProvider | None:
    """The configured provider, or None for "off". A missing secret is a ConfigError at start, not at the till."""
    if settings.provider == "off":
        return None
    if settings.provider == "sandbox":
        return SandboxProvider(public_base_url, load_or_create_secret(data_dir / SANDBOX_SECRET_FILE), seen=seen)
    if settings.hosted is None:
        raise ConfigError("payments: provider = \"hosted\" ohne Angaben zur Plattform")
    try:
        return HostedPageProvider.from_env(settings.hosted, seen=seen, environ=environ)
    except ValueError as exc:
        raise ConfigError(f"payments: {exc}") from exc
