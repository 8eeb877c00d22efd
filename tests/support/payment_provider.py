"""A hosted-payment platform for tests: the provider's side of the wire format in docs/payments.md.

It plays what a municipal e-payment platform (ePayBL-, pmPayment-like) does, on 127.0.0.1 only:

1. ``POST /api/v1/payments``: checks our signed "create payment" call (signature, merchant, amount
   syntax, fresh timestamp) and answers with a signed ``transaction_id`` and ``redirect_url``.
2. ``GET /p/<transaction id>``: the hosted page with the amount, the purpose and a "Bezahlen" button
   (and "Abbrechen"). Like a real platform's production page it says nothing about a test mode.
3. ``POST /p/<transaction id>``: the citizen clicked. The platform sends the signed notification
   server to server to the ``notify_url`` (form-encoded, a fresh nonce per attempt, retried on
   anything but 200), then sends the browser back to the ``return_url`` (303).

Tests also use it to craft notifications of their own (forged, replayed, wrong amount) with
:meth:`PaymentPlatform.notification` and :meth:`PaymentPlatform.send`.

It runs in the test's event loop (``await platform.start()``), or alone for trying the hosted
provider by hand: ``python -m tests.support.payment_provider --secret-file <file> --port 8090``.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.support.server import TEST_CONFIG
from videoschalter.payments import wire
from videoschalter.payments.signature import MissingField, pick, verify

MERCHANT = "teststadt-kasse"
SECRET = "shared-secret-of-the-test-platform-0123456789"  # ≥ 32 bytes, like a real one
API_PATH = "/api/v1"
CREATE_PATH = f"{API_PATH}/payments"
NOTIFY_ATTEMPTS = 3

HOSTED_TOML = """
[server]
public_base_url = "{base}"

[payments]
provider = "hosted"
base_url = "{api}"
merchant_id = "{merchant}"
secret_file = "{secret_file}"
"""

PAGE_CSS = """body{font-family:system-ui,sans-serif;background:#eef2f5;margin:0}
header{background:#00457d;color:#fff;padding:1rem 1.5rem;font-weight:700}
main{max-width:30rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:.5rem}
.amount{font-size:1.8rem;font-weight:700} button{font-size:1.1rem;padding:.7rem 1.4rem;margin-right:.5rem}"""


@dataclass
class Transaction:
    """What the platform keeps about one checkout."""

    transaction_id: str
    reference: str
    amount: str  # whole cents, as the town sent it
    currency: str
    purpose: str
    return_url: str
    notify_url: str
    status: str = "open"
    notify_answers: list[tuple[int, str]] = field(default_factory=list)  # our server's answers, per attempt


class PaymentPlatform:
    def __init__(self, secret: bytes = SECRET.encode(), merchant_id: str = MERCHANT) -> None:
        self.secret = secret
        self.merchant_id = merchant_id
        self.transactions: dict[str, Transaction] = {}
        self.refused_creates: list[str] = []  # why a create call was refused (wrong signature, …)
        self.url = ""
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_post(CREATE_PATH, self._create)
        self.app.router.add_get("/p/{tid}", self._page)
        self.app.router.add_post("/p/{tid}", self._submit)

    @property
    def api_url(self) -> str:
        """What the town enters as ``[payments] base_url``."""
        return self.url + API_PATH

    async def start(self, port: int = 0) -> PaymentPlatform:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"  # the port the OS chose
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def only(self) -> Transaction:
        """The single transaction a test made."""
        assert len(self.transactions) == 1, list(self.transactions)
        return next(iter(self.transactions.values()))

    # --- 1. create ----------------------------------------------------------------------------------
    async def _create(self, request: web.Request) -> web.Response:
        try:
            data = wire.decode_body(await request.read(), request.headers.get("Content-Type", ""))
            fields = pick(data, wire.CREATE_FIELDS)
        except (ValueError, MissingField) as exc:
            return self._refuse(400, f"malformed: {exc}")
        if not verify(fields, data.get(wire.SIGNATURE_FIELD, ""), self.secret):
            return self._refuse(401, "bad_signature")
        if fields["merchant_id"] != self.merchant_id:
            return self._refuse(403, "unknown_merchant")
        if not fields["amount"].isdigit() or fields["currency"] != "EUR":
            return self._refuse(400, "bad_amount")
        if abs(time.time() - int(fields["timestamp"] or 0)) > 300:
            return self._refuse(400, "stale")
        tid = "T-" + secrets.token_hex(8)
        self.transactions[tid] = Transaction(tid, fields["reference"], fields["amount"], fields["currency"],
                                             fields["purpose"], fields["return_url"], fields["notify_url"])
        answer = {"merchant_id": self.merchant_id, "reference": fields["reference"], "nonce": fields["nonce"],
                  "transaction_id": tid, "redirect_url": f"{self.url}/p/{tid}"}
        return web.json_response(wire.signed(wire.CREATE_RESPONSE_FIELDS, answer, self.secret), status=201)

    def _refuse(self, status: int, reason: str) -> web.Response:
        self.refused_creates.append(reason)
        return web.json_response({"error": reason}, status=status)

    # --- 2. the hosted page -------------------------------------------------------------------------
    async def _page(self, request: web.Request) -> web.Response:
        tx = self.transactions.get(request.match_info["tid"])
        if tx is None:
            return web.Response(status=404, text="Unbekannte Zahlung")
        euros = f"{int(tx.amount) // 100},{int(tx.amount) % 100:02d} €"
        if tx.status == "open":
            action = """<form method="post">
<button type="submit" name="action" value="pay">Bezahlen</button>
<button type="submit" name="action" value="cancel">Abbrechen</button></form>"""
        else:
            action = f"<p>Diese Zahlung ist abgeschlossen: {html.escape(tx.status)}.</p>"
        body = f"""<!doctype html><html lang="de"><head><meta charset="utf-8"><title>E-Payment – Bezahlen</title>
<style>{PAGE_CSS}</style></head><body><header>E-Payment des Landes</header><main>
<h1>Zahlung an {html.escape(self.merchant_id)}</h1>
<p class="amount" id="amount">{html.escape(euros)}</p>
<p>Verwendungszweck: {html.escape(tx.purpose)}</p><p>Kassenzeichen: {html.escape(tx.reference)}</p>
{action}</main></body></html>"""
        return web.Response(text=body, content_type="text/html")

    # --- 3. the click: server-to-server notification, then back to the town -------------------------
    async def _submit(self, request: web.Request) -> web.Response:
        tx = self.transactions.get(request.match_info["tid"])
        if tx is None:
            return web.Response(status=404, text="Unbekannte Zahlung")
        form = await request.post()
        status = "paid" if form.get("action") == "pay" else "cancelled"
        if tx.status == "open":
            tx.status = status
            for _ in range(NOTIFY_ATTEMPTS):  # every attempt with a fresh nonce and timestamp
                answer = await self.send(tx, self.notification(tx, status=status))
                if answer[0] == 200:
                    break
        raise web.HTTPSeeOther(tx.return_url)

    def notification(self, tx: Transaction, *, status: str = "paid", amount_cents: int | None = None,
                     secret: bytes | None = None, merchant_id: str | None = None, timestamp: int | None = None,
                     nonce: str | None = None) -> bytes:
        """A form-encoded notification about ``tx``, signed with ``secret`` (the platform's unless forged)."""
        return wire.notification_body(
            secret=self.secret if secret is None else secret,
            merchant_id=self.merchant_id if merchant_id is None else merchant_id,
            transaction_id=tx.transaction_id, reference=tx.reference,
            amount_cents=int(tx.amount) if amount_cents is None else amount_cents, currency=tx.currency,
            status=status, timestamp=int(time.time()) if timestamp is None else timestamp,
            nonce=secrets.token_urlsafe(16) if nonce is None else nonce)

    async def send(self, tx: Transaction, body: bytes, content_type: str = wire.FORM) -> tuple[int, str]:
        """POST a notification to the town's notify URL, as the platform does; returns (status, text)."""
        async with aiohttp.ClientSession() as session, session.post(
                tx.notify_url, data=body, headers={"Content-Type": content_type},
                timeout=aiohttp.ClientTimeout(total=10), allow_redirects=False) as res:
            answer = (res.status, await res.text())
        tx.notify_answers.append(answer)
        return answer


async def _serve(port: int, secret: bytes, merchant_id: str) -> None:
    platform = await PaymentPlatform(secret, merchant_id).start(port)
    print(f"Test-Zahlungsplattform auf {platform.api_url} (merchant_id = {merchant_id!r}); Strg+C beendet.")
    try:
        await asyncio.Event().wait()
    finally:
        await platform.stop()


def write_hosted_config(data: Path, secret_file: Path, base: str, platform: PaymentPlatform,
                        grace: float = 0.3) -> Path:
    """The test town's file with the hosted provider; the secret in a 0600 file beside it, not in the TOML."""
    secret_file.write_bytes(platform.secret + b"\n")
    secret_file.chmod(0o600)
    path = data / "videoschalter.toml"
    path.write_text(TEST_CONFIG.format(grace=grace, joins=10) + HOSTED_TOML.format(
        base=base, api=platform.api_url, merchant=platform.merchant_id, secret_file=secret_file), "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="Test payment platform on 127.0.0.1 (docs/payments.md)")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--merchant-id", default=MERCHANT)
    parser.add_argument("--secret-file", type=Path, required=True, help="the same file as [payments] secret_file")
    args = parser.parse_args()
    secret = args.secret_file.read_bytes().splitlines()[0].strip()
    asyncio.run(_serve(args.port, secret, args.merchant_id))


if __name__ == "__main__":
    main()
