"""The demo's built-in payment provider: its own test page, real signed callbacks, no money.

The sandbox behaves like a hosted-payment platform that happens to live inside
our server: ``create`` hands out a page URL (``/sandbox-pay/<ref>``), the citizen
clicks "Bezahlen (Testmodus)" or "Abbrechen" in a plain HTML form, and the
sandbox answers with a callback in the same signed wire format a real platform
uses. Every page says "Testmodus", so nobody mistakes it for a real checkout.

The lead's aiohttp handlers call :meth:`SandboxProvider.checkout`,
:func:`render_sandbox_page` and :meth:`SandboxProvider.complete`; they deliver the
callback with :func:`deliver_callback` (over HTTP, like a platform) or hand it
straight to ``PaymentService.handle_notification`` – both go through the same
signature and replay checks.
"""

from __future__ import annotations

import html
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

import aiohttp

from videoschalter.payments import wire
from videoschalter.payments.model import PaymentRequest, PaymentState
from videoschalter.payments.providers import Notification, PaymentProvider, ProviderError, Redirect
from videoschalter.payments.signature import MIN_SECRET_BYTES, MemorySeenStore, ReplayGuard, SeenStore
from videoschalter.payments.texts import format_amount, page_language, translator

SANDBOX_MERCHANT = "sandbox"
PATH_PREFIX = "/sandbox-pay"
STYLESHEET_PATH = f"{PATH_PREFIX}/_/sandbox.css"  # two segments: cannot clash with /sandbox-pay/{ref}
Action = Literal["pay", "cancel", "fail"]
ACTION_STATUS: dict[str, PaymentState] = {
    "pay": PaymentState.PAID,
    "cancel": PaymentState.CANCELLED,
    "fail": PaymentState.FAILED,
}
RESULT_LABELS = {PaymentState.PAID: "bezahlt", PaymentState.CANCELLED: "abgebrochen",
                 PaymentState.FAILED: "fehlgeschlagen"}


class SandboxError(ValueError):
    """The citizen's click cannot be carried out (unknown checkout, or it already ended otherwise)."""


@dataclass
class SandboxCheckout:
    """What the sandbox remembers about one checkout, like a platform's transaction record."""

    provider_ref: str
    reference: str  # our PaymentRequest.id
    amount_cents: int
    currency: str
    purpose: str
    return_url: str
    notify_url: str
    created_at: float
    outcome: PaymentState | None = None


@dataclass(frozen=True)
class SandboxCallback:
    """A signed notification ready to send, and where to send the citizen afterwards."""

    notify_url: str
    body: bytes
    content_type: str
    headers: Mapping[str, str]
    return_url: str


def load_or_create_secret(path: Path) -> bytes:
    """The installation's sandbox secret: 32 random bytes, created once (mode 0600) in the data folder."""
    try:
        secret = bytes.fromhex(path.read_text("ascii").strip())
        if len(secret) >= MIN_SECRET_BYTES:
            return secret
    except FileNotFoundError:
        pass
    except ValueError:
        pass  # damaged file: replace it; the only cost is that pending sandbox callbacks fail
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(MIN_SECRET_BYTES)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret.hex())
    os.replace(tmp, path)
    return secret


class SandboxProvider(PaymentProvider):
    """In-memory checkouts (a restart forgets them; the clerk sends a new request) and signed callbacks."""

    name = "sandbox"
    test_mode = True

    def __init__(
        self,
        public_base_url: str = "",
        secret: bytes | None = None,
        *,
        seen: SeenStore | None = None,
        clock: Callable[[], float] = time.time,
        replay_window_s: float = 300,
        max_checkouts: int = 1000,
    ) -> None:
        self.public_base_url = public_base_url.rstrip("/")
        self._secret = secret if secret is not None else secrets.token_bytes(MIN_SECRET_BYTES)
        if len(self._secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the sandbox secret must be at least {MIN_SECRET_BYTES} bytes long")
        self._clock = clock
        self._guard = ReplayGuard(seen if seen is not None else MemorySeenStore(clock=clock), replay_window_s, clock)
        self._checkouts: dict[str, SandboxCheckout] = {}
        self._max_checkouts = max_checkouts

    def __repr__(self) -> str:  # never show the secret
        return f"SandboxProvider({self.public_base_url or '<relative>'}, {len(self._checkouts)} checkouts)"

    def page_path(self, provider_ref: str) -> str:
        return f"{PATH_PREFIX}/{quote(provider_ref, safe='')}"

    async def create(self, request: PaymentRequest, return_url: str, notify_url: str) -> Redirect:
        for url in (return_url, notify_url):
            if urlsplit(url).scheme not in ("http", "https", ""):
                raise ProviderError(f"URL {url!r} is neither http(s) nor relative")
        provider_ref = "sbx_" + secrets.token_urlsafe(18)  # the page URL is the capability: unguessable
        while len(self._checkouts) >= self._max_checkouts:
            del self._checkouts[next(iter(self._checkouts))]  # oldest first
        self._checkouts[provider_ref] = SandboxCheckout(
            provider_ref=provider_ref, reference=request.id, amount_cents=request.amount_cents,
            currency=request.currency, purpose=request.purpose, return_url=return_url, notify_url=notify_url,
            created_at=self._clock(),
        )
        return Redirect(url=self.public_base_url + self.page_path(provider_ref), provider_ref=provider_ref)

    def checkout(self, provider_ref: str) -> SandboxCheckout | None:
        return self._checkouts.get(provider_ref)

    def complete(self, provider_ref: str, action: str) -> SandboxCallback:
        """The citizen clicked: build the signed callback. Repeating the same click re-sends the same result."""
        checkout = self._checkouts.get(provider_ref)
        if checkout is None:
            raise SandboxError("unknown sandbox checkout")
        status = ACTION_STATUS.get(action)
        if status is None:
            raise SandboxError(f"unknown action {action!r}")
        if checkout.outcome is not None and checkout.outcome != status:
            raise SandboxError(f"this checkout already ended as {checkout.outcome}")
        checkout.outcome = status
        body = wire.notification_body(
            secret=self._secret, merchant_id=SANDBOX_MERCHANT, transaction_id=checkout.provider_ref,
            reference=checkout.reference, amount_cents=checkout.amount_cents, currency=checkout.currency,
            status=status.value, timestamp=int(self._clock()), nonce=secrets.token_urlsafe(16),
        )
        return SandboxCallback(notify_url=checkout.notify_url, body=body, content_type=wire.FORM, headers={},
                               return_url=checkout.return_url)

    def parse_notification(self, body: bytes, content_type: str, headers: Mapping[str, str]) -> Notification:
        data = wire.decode_body(body, content_type)
        return wire.verify_notification(data, headers, secret=self._secret, merchant_id=SANDBOX_MERCHANT,
                                        guard=self._guard, provider=self.name)


async def deliver_callback(callback: SandboxCallback, session: aiohttp.ClientSession, timeout_s: float = 10) -> int:
    """POST the callback to its notify URL, as a platform would; returns the HTTP status."""
    try:
        async with session.post(callback.notify_url, data=callback.body,
                                headers={"Content-Type": callback.content_type, **callback.headers},
                                timeout=aiohttp.ClientTimeout(total=timeout_s)) as res:
            await res.read()
            return res.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ProviderError(f"sandbox callback to {callback.notify_url} failed: {exc}") from exc


# --- pages ------------------------------------------------------------------------------------------

SANDBOX_CSS = """\
body { font-family: system-ui, sans-serif; margin: 0; background: #f3f4f6; color: #1a1a1a; }
.testmode { margin: 0; padding: 1rem; background: #b00020; color: #fff; font-size: 1.4rem; font-weight: 700;
  text-align: center; letter-spacing: .03em; }
.badge { display: inline-block; padding: .1rem .6rem; border: 2px solid #b00020; border-radius: 1rem;
  color: #b00020; font-weight: 700; }
main { max-width: 32rem; margin: 1.5rem auto; background: #fff; padding: 1.5rem; border-radius: .6rem; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .4rem 1rem; } dt { color: #555; } dd { margin: 0; }
.amount { font-size: 1.6rem; font-weight: 700; }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; margin-top: 1.2rem; }
button, .button { font-size: 1.1rem; padding: .7rem 1.2rem; border-radius: .4rem; border: 0; cursor: pointer;
  text-decoration: none; display: inline-block; }
.pay { background: #1b6e3a; color: #fff; } .cancel { background: #e4e8ee; color: #1a1a1a; }
.fail { background: transparent; color: #555; text-decoration: underline; padding-left: 0; }
"""


def _page(lang: str, title: str, content: str) -> str:
    _ = translator(lang)
    return f"""<!doctype html>
<html lang="{page_language(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer">
<title>Testmodus – {html.escape(title)}</title>
<link rel="stylesheet" href="{STYLESHEET_PATH}"></head>
<body><p class="testmode" role="alert">{html.escape(_("TESTMODUS – es wird kein Geld bewegt"))}</p>
<main><p><span class="badge">Testmodus</span></p>
<h1>{html.escape(title)}</h1>
{content}
</main></body></html>
"""


def render_sandbox_page(checkout: SandboxCheckout, lang: str) -> str:
    """The test checkout page: amount, purpose, and a plain form POST – no script, nothing external."""
    _ = translator(lang)
    details = f"""<p>{html.escape(_("Dies ist die eingebaute Testseite des Videoschalters. Hier werden keine echten "
                                    "Zahlungsdaten abgefragt und kein Geld bewegt."))}</p>
<dl>
<dt>{html.escape(_("Betrag"))}</dt><dd class="amount">{html.escape(format_amount(checkout.amount_cents, lang))}</dd>
<dt>{html.escape(_("Verwendungszweck"))}</dt><dd>{html.escape(checkout.purpose)}</dd>
<dt>{html.escape(_("Kassenzeichen"))}</dt><dd>{html.escape(checkout.reference)}</dd>
</dl>"""
    if checkout.outcome is not None:
        result = _(RESULT_LABELS[checkout.outcome])
        body = f"""{details}
<p><strong>{html.escape(_("Diese Testzahlung ist abgeschlossen."))}</strong>
{html.escape(_("Ergebnis"))}: {html.escape(result)}</p>
<p><a class="button cancel" href="{html.escape(checkout.return_url)}">
{html.escape(_("Zurück zum Videoschalter"))}</a></p>"""
    else:
        action = f"{PATH_PREFIX}/{quote(checkout.provider_ref, safe='')}"
        body = f"""{details}
<form method="post" action="{html.escape(action)}" class="actions">
<input type="hidden" name="lang" value="{html.escape(page_language(lang))}">
<button class="pay" type="submit" name="action" value="pay">{html.escape(_("Bezahlen (Testmodus)"))}</button>
<button class="cancel" type="submit" name="action" value="cancel">{html.escape(_("Abbrechen"))}</button>
<button class="fail" type="submit" name="action" value="fail">{html.escape(_("Ablehnung simulieren"))}</button>
</form>"""
    return _page(lang, _("Testzahlung"), body)


def render_sandbox_unknown_page(lang: str) -> str:
    """For an unknown or forgotten checkout (e.g. after a restart) – also clearly a test page."""
    _ = translator(lang)
    text = _("Bitte lassen Sie sich von der Sachbearbeitung eine neue Zahlungsaufforderung senden.")
    return _page(lang, _("Diese Testzahlung gibt es nicht (mehr)."), f"<p>{html.escape(text)}</p>")
