"""What the case feature needs at run time, built once at server start (``cases_context``).

The file vault and its key, the form definitions, the payment service with its provider,
the office's signing key (a TEST CA in the data folder for the demo, said so in the log),
and the settings (upload limit, retention). Handlers reach it through ``CASES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from signaling.case_hub import CaseHub
from signaling.case_issue import warm_up
from signaling.case_pay import NOTIFY_PATH
from signaling.case_retention import run_retention
from signaling.case_store import SqlitePaymentStore, SqliteSeenStore
from signaling.keys import CONFIG, HUB, STORE
from videoschalter.cases.keys import case_key
from videoschalter.cases.vault import Vault
from videoschalter.certificates.models import Office
from videoschalter.certificates.signing import OfficeSigner, SigningSettings, load_signer, load_signer_from_settings
from videoschalter.certificates.test_ca import ensure_test_pki
from videoschalter.config import Config
from videoschalter.forms import FormDefinition, load_forms
from videoschalter.payments import PaymentService, SandboxProvider
from videoschalter.payments.settings import make_provider

log = logging.getLogger("videoschalter.cases")


@dataclass
class CaseServices:
    config: Config
    data_dir: Path
    vault: Vault
    forms: dict[str, FormDefinition]
    payments: PaymentService | None
    signer: OfficeSigner
    trust_roots: list[Path]
    office: Office
    public_base_url: str
    max_upload_bytes: int
    retention_days: int
    seen: SqliteSeenStore | None = None  # closed at shutdown

    @property
    def sandbox(self) -> SandboxProvider | None:
        provider = self.payments.provider if self.payments else None
        return provider if isinstance(provider, SandboxProvider) else None

    def form_for(self, service: str | None) -> FormDefinition | None:
        """The form that belongs to a service (first match), for a quick ``form_open``."""
        return next((f for f in self.forms.values() if service in f.services), None)


CASES: web.AppKey[CaseServices] = web.AppKey("cases")


def office_of(config: Config) -> Office:
    """The issuing authority for letterheads and the signature's location (``[office]``)."""
    head = config.letterhead
    return Office(name=config.office_name, department=head.department, street=head.street,
                  postal_code=head.postal_code, town=head.town, phone=head.phone, email=head.email,
                  website=head.website, authority_line=head.authority_line)


def load_office_signer(config: Config, data_dir: Path, office: Office) -> tuple[OfficeSigner, list[Path]]:
    """The town's key from ``[certificates]``, or the demo's local TEST CA (and a warning that says so)."""
    section = config.certificates
    if section.key_file:
        settings = SigningSettings(
            key_file=Path(section.key_file), location=office.town,
            cert_file=Path(section.cert_file) if section.cert_file else None,
            chain_files=tuple(Path(p) for p in section.chain_files),
            password_file=Path(section.password_file) if section.password_file else None,
            password_env=section.password_env)
        return load_signer_from_settings(settings), [Path(p) for p in section.trust_roots]
    pki = ensure_test_pki(data_dir / "pki", config.office_name)
    log.warning("Bescheinigungen werden mit einer lokalen TEST-CA signiert (%s) – nicht für den Echtbetrieb. "
                "Für den Betrieb [certificates] key_file eintragen.", pki.folder)
    return load_signer(pki.office_p12, location=office.town, password=pki.password()), [pki.ca_cert]


def build_services(config: Config, data_dir: Path, store: Any,
                   environ: dict[str, str] | None = None) -> CaseServices:
    environ = dict(os.environ) if environ is None else environ
    key, sentence = case_key(environ, data_dir, key_file=Path(config.cases.key_file) if config.cases.key_file else None,
                             key_source=config.cases.key_source, keyring_user=config.cases.keyring_user)
    log.info("%s", sentence)
    office = office_of(config)
    signer, roots = load_office_signer(config, data_dir, office)
    base = config.public_base_url
    seen = SqliteSeenStore(str(data_dir / "videoschalter.db"))
    # the sandbox's page is on this server: a relative link works behind any proxy
    provider = make_provider(config.payments, public_base_url="" if config.payments.provider == "sandbox" else base,
                             data_dir=data_dir, seen=seen, environ=environ)
    if isinstance(provider, SandboxProvider):
        log.warning("Zahlungen laufen über die eingebaute Testseite (Testmodus) – es wird kein Geld bewegt.")
    elif provider is not None:
        log.info("Zahlungen über %r (Händler %s%s); Rückmeldungen an %s%s", config.payments.base_url,
                 config.payments.merchant_id, ", Testumgebung" if provider.test_mode else "", base, NOTIFY_PATH)
        if not base.startswith("https://"):
            log.warning("[server] public_base_url = %r ist kein https: Eine echte Zahlungsplattform schickt "
                        "Rückmeldungen und Bürgerinnen nur an eine https-Adresse.", base)
    payments = PaymentService(provider, SqlitePaymentStore(store)) if provider is not None else None
    return CaseServices(
        config=config, data_dir=data_dir, vault=Vault(data_dir / "cases", key), forms=load_forms(),
        payments=payments, signer=signer, trust_roots=roots, office=office, public_base_url=base,
        max_upload_bytes=config.cases.max_upload_bytes, retention_days=config.cases.retention_days, seen=seen)


def cases_context(data_dir: Path,
                  retention_every_s: float = 3600.0) -> Callable[[web.Application], AsyncIterator[None]]:
    """cleanup_ctx: build the services after storage and hub, hand them to the hub, run retention."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        services = await asyncio.to_thread(build_services, app[CONFIG], data_dir, app[STORE])
        app[CASES] = services
        hub = app[HUB]
        cases = hub.cases = CaseHub(hub, services)

        async def retention_forever() -> None:
            while True:
                try:
                    await run_retention(app[STORE], services, dt.datetime.now(dt.UTC))
                except Exception:
                    log.exception("retention run failed")
                await asyncio.sleep(retention_every_s)

        task = asyncio.get_running_loop().create_task(retention_forever())
        warm = asyncio.get_running_loop().create_task(asyncio.to_thread(warm_up, services.office, services.signer))
        yield
        task.cancel()
        with contextlib.suppress(Exception):
            await warm
        await cases.close()
        if services.seen is not None:
            services.seen.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx
