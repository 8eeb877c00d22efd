"""The [payments] section: which provider, where the platform is, where the secret comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from videoschalter.config import ConfigError, load_config
from videoschalter.payments.hosted import HostedPageProvider
from videoschalter.payments.sandbox import SandboxProvider
from videoschalter.payments.settings import SANDBOX_SECRET_FILE, make_provider, payment_settings
from videoschalter.payments.signature import MemorySeenStore

HOSTED = {"provider": "hosted", "base_url": "https://epay.example-land.de/api/v1", "merchant_id": "musterstadt",
          "secret_env": "VIDEOSCHALTER_PAYMENT_SECRET"}
ENV = {"VIDEOSCHALTER_PAYMENT_SECRET": "x" * 40}


def test_default_is_the_sandbox(tmp_path: Path) -> None:
    settings = payment_settings({})
    provider = make_provider(settings, public_base_url="http://localhost:8080", data_dir=tmp_path,
                             seen=MemorySeenStore())
    assert isinstance(provider, SandboxProvider) and provider.test_mode
    assert (tmp_path / SANDBOX_SECRET_FILE).exists()


def test_off_means_no_provider(tmp_path: Path) -> None:
    assert make_provider(payment_settings({"provider": "off"}), public_base_url="", data_dir=tmp_path,
                         seen=MemorySeenStore()) is None


def test_hosted_from_a_town_file(tmp_path: Path) -> None:
    town = tmp_path / "stadt.toml"
    town.write_text("""
[payments]
provider = "hosted"
base_url = "https://epay.example-land.de/api/v1"
merchant_id = "musterstadt"
secret_env = "VIDEOSCHALTER_PAYMENT_SECRET"
test_mode = true
redirect_hosts = ["pay.example-land.de"]
""", encoding="utf-8")
    settings = payment_settings(load_config(town).raw["payments"])
    assert settings.hosted is not None and settings.hosted.redirect_hosts == ("pay.example-land.de",)
    provider = make_provider(settings, public_base_url="", data_dir=tmp_path, seen=MemorySeenStore(), environ=ENV)
    assert isinstance(provider, HostedPageProvider) and provider.test_mode
    assert settings.hosted.create_url == "https://epay.example-land.de/api/v1/payments"


def test_missing_secret_is_a_config_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VIDEOSCHALTER_PAYMENT_SECRET"):
        make_provider(payment_settings(HOSTED), public_base_url="", data_dir=tmp_path, seen=MemorySeenStore(),
                      environ={})


@pytest.mark.parametrize(("changes", "message"), [
    ({"provider": "paypal"}, "erlaubt sind"),
    ({"secret": "hunter2"}, "kein Geheimnis in die Datei"),
    ({"base_url": ""}, "'base_url' fehlt"),
    ({"merchant_id": None}, "'merchant_id' fehlt"),
    ({"secret_env": "NOT A NAME"}, "kein Name einer Umgebungsvariable"),
    ({"base_url": "http://epay.example-land.de"}, "https"),
    ({"test_mode": "yes"}, "true oder false"),
    ({"replay_window_s": 5}, "replay_window_s"),
    ({"timeout_s": "20"}, "timeout_s"),
    ({"redirect_hosts": "pay.example"}, "redirect_hosts"),
    ({"colour": "blue"}, "unbekannte Einträge"),
])
def test_bad_entries_are_named(changes: dict[str, object], message: str) -> None:
    section = {k: v for k, v in {**HOSTED, **changes}.items() if v is not None}
    with pytest.raises(ConfigError, match=message):
        payment_settings(section)
