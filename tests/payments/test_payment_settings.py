"""The provider ``config.payments`` asks for, and where its secret comes from (env or file, never the TOML)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from videoschalter.config import ConfigError, PaymentSettings, load_config
from videoschalter.payments.hosted import HostedPageProvider
from videoschalter.payments.sandbox import SandboxProvider
from videoschalter.payments.settings import SANDBOX_SECRET_FILE, make_provider, payment_secret
from videoschalter.payments.signature import MemorySeenStore

HOSTED = PaymentSettings(provider="hosted", base_url="https://epay.example-land.de/api/v1",
                         merchant_id="musterstadt", secret_env="VIDEOSCHALTER_PAYMENT_SECRET")
ENV = {"VIDEOSCHALTER_PAYMENT_SECRET": "x" * 40}


def test_default_is_the_sandbox(tmp_path: Path) -> None:
    settings = load_config().payments
    assert settings.provider == "sandbox"
    provider = make_provider(settings, public_base_url="http://localhost:8080", data_dir=tmp_path,
                             seen=MemorySeenStore())
    assert isinstance(provider, SandboxProvider) and provider.test_mode
    assert (tmp_path / SANDBOX_SECRET_FILE).exists()


def test_off_means_no_provider(tmp_path: Path) -> None:
    assert make_provider(PaymentSettings(provider="off"), public_base_url="", data_dir=tmp_path,
                         seen=MemorySeenStore()) is None


def test_hosted_from_a_town_file(tmp_path: Path) -> None:
    town = tmp_path / "stadt.toml"
    town.write_text(textwrap.dedent("""
        [payments]
        provider = "hosted"
        base_url = "https://epay.example-land.de/api/v1/"
        merchant_id = "musterstadt"
        secret_env = "VIDEOSCHALTER_PAYMENT_SECRET"
        test_mode = true
        redirect_hosts = ["pay.example-land.de"]
    """), encoding="utf-8")
    settings = load_config(town).payments
    assert settings.redirect_hosts == ("pay.example-land.de",) and settings.base_url.endswith("/v1")
    provider = make_provider(settings, public_base_url="", data_dir=tmp_path, seen=MemorySeenStore(), environ=ENV)
    assert isinstance(provider, HostedPageProvider) and provider.test_mode
    assert provider.settings.create_url == "https://epay.example-land.de/api/v1/payments"
    assert not (tmp_path / SANDBOX_SECRET_FILE).exists()  # no sandbox behind a real platform's back


def test_missing_secret_is_a_config_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VIDEOSCHALTER_PAYMENT_SECRET") as excinfo:
        make_provider(HOSTED, public_base_url="", data_dir=tmp_path, seen=MemorySeenStore(), environ={})
    assert "[payments]" in str(excinfo.value)
    with pytest.raises(ConfigError, match="kürzer als 32 Bytes"):
        payment_secret(HOSTED, {"VIDEOSCHALTER_PAYMENT_SECRET": "kurz"})


def test_secret_from_a_file_first_line_only(tmp_path: Path) -> None:
    secret = tmp_path / "payment.secret"
    secret.write_text("s" * 48 + "\nKommentar, wird nicht gelesen\n", "utf-8")
    secret.chmod(0o600)
    settings = PaymentSettings(**{**vars(HOSTED), "secret_env": "", "secret_file": str(secret)})
    assert payment_secret(settings, environ={}) == b"s" * 48
    provider = make_provider(settings, public_base_url="", data_dir=tmp_path, seen=MemorySeenStore(), environ={})
    assert isinstance(provider, HostedPageProvider) and "s" * 48 not in repr(provider)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_secret_file_others_may_read_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "payment.secret"
    secret.write_text("s" * 48, "utf-8")
    secret.chmod(0o644)
    settings = PaymentSettings(**{**vars(HOSTED), "secret_env": "", "secret_file": str(secret)})
    with pytest.raises(ConfigError, match="chmod 600") as excinfo:
        payment_secret(settings)
    assert "s" * 48 not in str(excinfo.value)  # the message names the file, never the secret
    settings = PaymentSettings(**{**vars(settings), "secret_file": str(tmp_path / "fehlt.secret")})
    with pytest.raises(ConfigError, match=r"fehlt\.secret.*nicht lesbar"):
        payment_secret(settings)
