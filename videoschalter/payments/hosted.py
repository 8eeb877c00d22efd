"""A real hosted-payment-page platform (ePayBL/pmPayment/GiroCheckout-like), generic wire format.

We POST a signed "create payment" to the platform, get back a signed redirect
URL, send the citizen there, and later receive a signed notification. The exact
fields, the signature and the replay window are documented in docs/payments.md;
a town whose platform speaks a different dialect needs a small adapter that maps
onto the same ``PaymentProvider`` interface.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from videoschalter.payments import wire
from videoschalter.payments.model import PaymentRequest
from videoschalter.payments.providers import (
    ForgedNotification,
    Notification,
    PaymentProvider,
    ProviderError,
    Redirect,
)
from videoschalter.payments.signature import (
    DEFAULT_WINDOW_S,
    MIN_SECRET_BYTES,
    MissingField,
    ReplayGuard,
    SeenStore,
    pick,
    verify,
)

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class HostedPageSettings:
    """The ``[payments]`` entries for a hosted platform; the secret comes from the environment or a 0600 file."""

    base_url: str  # e.g. "https://epay.example-land.de/api/v1"
    merchant_id: str  # the town's account (Mandant / Bewirtschafter) at the platform
    secret_env: str  # name of the environment variable that holds the shared HMAC secret
    create_path: str = "/payments"
    test_mode: bool = False  # the platform's test environment: pages show "Testmodus"
    replay_window_s: float = DEFAULT_WINDOW_S
    timeout_s: float = 20.0
    redirect_hosts: tuple[str, ...] = ()  # further hosts the payment page may live on (besides base_url's)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
            raise ValueError(f"base_url {self.base_url!r} must use https:// (http only for 127.0.0.1/localhost)")
        if not parts.hostname:
            raise ValueError(f"base_url {self.base_url!r} has no host")
        if not self.merchant_id:
            raise ValueError("merchant_id is empty")

    @property
    def create_url(self) -> str:
        return self.base_url.rstrip("/") + "/" + self.create_path.lstrip("/")


def secret_from_env(env_name: str, environ: Mapping[str, str] | None = None) -> bytes:
    """The shared secret as UTF-8 bytes of the variable's value; the message names the variable, never the value."""
    environ = os.environ if environ is None else environ
    value = environ.get(env_name, "")
    if not value:
        raise ValueError(f"environment variable {env_name} with the payment platform's secret is not set")
    secret = value.encode("utf-8")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the secret in {env_name} is shorter than {MIN_SECRET_BYTES} bytes")
    return secret


class HostedPageProvider(PaymentProvider):
    name = "hosted"

    def __init__(
        self,
        settings: HostedPageSettings,
        secret: bytes,
        *,
        seen: SeenStore,
        clock: Callable[[], float] = time.time,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the shared secret must be at least {MIN_SECRET_BYTES} bytes long")
        self.settings = settings
        self.test_mode = settings.test_mode
        self._secret = secret
        self._clock = clock
        self._guard = ReplayGuard(seen, settings.replay_window_s, clock)
        self._session = session

    @classmethod
    def from_env(
        cls,
        settings: HostedPageSettings,
        *,
        seen: SeenStore,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        session: aiohttp.ClientSession | None = None,
    ) -> HostedPageProvider:
        """Read the secret from the variable named in ``secret_env``; raises ValueError naming the variable."""
        return cls(settings, secret_from_env(settings.secret_env, environ), seen=seen, clock=clock, session=session)

    def __repr__(self) -> str:  # never show the secret
        return f"HostedPageProvider({self.settings.base_url}, merchant={self.settings.merchant_id!r})"

    async def create(self, request: PaymentRequest, return_url: str, notify_url: str) -> Redirect:
        nonce = secrets.token_urlsafe(16)
        values = {
            "merchant_id": self.settings.merchant_id, "reference": request.id, "amount": str(request.amount_cents),
            "currency": request.currency, "purpose": request.purpose, "return_url": return_url,
            "notify_url": notify_url, "timestamp": str(int(self._clock())), "nonce": nonce,
        }
        payload = wire.signed(wire.CREATE_FIELDS, values, self._secret)
        status, text = await self._post_json(payload)
        if status not in (200, 201):
            raise ProviderError(f"payment platform answered HTTP {status}: {text[:200]!r}")
        try:
            data = wire.decode_body(text.encode("utf-8"), wire.JSON)
            fields = pick(data, wire.CREATE_RESPONSE_FIELDS)
            signature = wire.signature_of(data, {})
        except (ForgedNotification, MissingField) as exc:
            raise ProviderError(f"payment platform's answer is unusable: {exc}") from exc
        if not verify(fields, signature, self._secret):
            raise ProviderError("payment platform's answer has a wrong signature")
        if (fields["merchant_id"], fields["reference"], fields["nonce"]) != (
                self.settings.merchant_id, request.id, nonce):
            raise ProviderError("payment platform's answer belongs to another request")
        if not fields["transaction_id"]:
            raise ProviderError("payment platform's answer has no transaction_id")
        self._check_redirect(fields["redirect_url"])
        return Redirect(url=fields["redirect_url"], provider_ref=fields["transaction_id"])

    async def _post_json(self, payload: dict[str, str]) -> tuple[int, str]:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": wire.JSON, "Accept": wire.JSON}
        try:
            if self._session is not None:
                return await _post(self._session, self.settings.create_url, body, headers, timeout)
            async with aiohttp.ClientSession() as session:
                return await _post(session, self.settings.create_url, body, headers, timeout)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ProviderError(f"payment platform {self.settings.create_url} not reachable: {exc!r}") from exc

    def _check_redirect(self, url: str) -> None:
        """Only send citizens to the platform itself – a tampered answer must not become a phishing link."""
        parts, base = urlsplit(url), urlsplit(self.settings.base_url)
        allowed_hosts = {base.hostname, *self.settings.redirect_hosts}
        scheme_ok = parts.scheme == "https" or (parts.scheme == "http" and base.scheme == "http")
        if not scheme_ok or parts.hostname not in allowed_hosts:
            raise ProviderError(f"payment platform sent a redirect to an unexpected place: {url[:200]!r}")

    def parse_notification(self, body: bytes, content_type: str, headers: Mapping[str, str]) -> Notification:
        data = wire.decode_body(body, content_type)
        return wire.verify_notification(data, headers, secret=self._secret, merchant_id=self.settings.merchant_id,
                                        guard=self._guard, provider=self.name)


async def _post(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str],
                timeout: aiohttp.ClientTimeout) -> tuple[int, str]:
    async with session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False) as res:
        chunks: list[bytes] = []
        size = 0
        async for chunk in res.content.iter_chunked(4096):
            size += len(chunk)
            if size > wire.MAX_BODY_BYTES:
                raise ProviderError("payment platform's answer is too large")
            chunks.append(chunk)
        return res.status, b"".join(chunks).decode("utf-8", errors="replace")
