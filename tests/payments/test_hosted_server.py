"""The hosted provider through the real server: ``[payments] provider = "hosted"`` against a test platform.

The server runs in-process on a known port (so ``[server] public_base_url`` is right and the
platform can call back), the platform (``tests/support/payment_provider.py``) on its own port.
Only a correctly signed, fresh, first-seen notification with the exact fee moves the payment.
"""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from signaling.app import init_app
from signaling.auth import hash_password
from signaling.storage import Storage
from tests.signaling.case_support import Call, recv, start_call
from tests.support.payment_provider import PaymentPlatform, Transaction, write_hosted_config
from tests.support.server import CLERK_PASSWORD, free_port
from videoschalter.config import load_config
from videoschalter.payments import wire


@pytest.fixture
async def client(aiohttp_client: Any, tmp_path: Path, platform: PaymentPlatform) -> TestClient:
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    config = write_hosted_config(data, tmp_path / "payment.secret", f"http://127.0.0.1:{port}", platform)
    storage = Storage(data / "videoschalter.db")
    storage.add_clerk("anna", "Anna Schmidt", hash_password(CLERK_PASSWORD), ["buergeramt"])
    storage.close()
    return await aiohttp_client(init_app(load_config(config), data), server_kwargs={"port": port})


async def at_the_platform(client: TestClient, platform: PaymentPlatform) -> tuple[Call, dict[str, Any], Transaction]:
    """Fee requested, the citizen followed the pay link: the server opened a checkout at the platform."""
    call = await start_call(client)
    await call.to_server("case_service", service="meldebescheinigung")
    await call.to_server("pay_request")
    payment = await recv(call.citizen, "payment", state="open")
    assert payment["sandbox"] is False and payment["amount_cents"] == 500
    res = await client.get(payment["pay_url"], allow_redirects=False)
    assert res.status == 303
    tx = platform.only()
    assert res.headers["Location"] == f"{platform.url}/p/{tx.transaction_id}"
    assert (tx.reference, tx.amount) == (payment["id"], "500")
    assert tx.notify_url == f"{client.make_url('/api/v1/payments/notify')}"
    assert tx.return_url == f"{client.make_url('/payment/done')}?p={payment['id']}"
    assert (await recv(call.citizen, "payment", state="pending"))["id"] == payment["id"]
    return call, payment, tx


def states(data: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(data / "videoschalter.db") as db:
        return db.execute("select state, amount_cents from payments").fetchall()


async def test_the_citizen_pays_on_the_platform_page(client: TestClient, platform: PaymentPlatform,
                                                    tmp_path: Path) -> None:
    call, payment, tx = await at_the_platform(client, platform)
    async with aiohttp.ClientSession() as browser:  # the citizen's browser on the platform's page
        async with browser.get(f"{platform.url}/p/{tx.transaction_id}") as page:
            text = await page.text()
        assert "Bezahlen" in text and "5,00 €" in text and "Testmodus" not in text
        async with browser.post(f"{platform.url}/p/{tx.transaction_id}", data={"action": "pay"},
                                allow_redirects=False) as res:
            assert res.status == 303 and res.headers["Location"] == tx.return_url
    assert tx.notify_answers == [(200, "ok")]  # the server-to-server callback, verified and applied
    paid = await recv(call.clerk, "payment", state="paid")
    assert paid["id"] == payment["id"] and paid["sandbox"] is False and paid["paid_at"]
    await recv(call.citizen, "payment", state="paid")
    receipt = await recv(call.citizen, "document", kind="receipt")
    got = await client.get(f"/api/v1/case/documents/{receipt['id']}", headers=call.citizen_auth)
    text = subprocess.run(["pdftotext", "-", "-"], input=await got.read(), capture_output=True, check=True).stdout
    assert "Online-Zahlung" in text.decode() and "Testmodus" not in text.decode()  # real money, no test mark
    assert states(tmp_path / "data") == [("paid", 500)]
    # the platform re-sends "paid" (fresh nonce, as on a lost answer): acknowledged, nothing booked twice
    assert await platform.send(tx, platform.notification(tx)) == (200, "ok")
    res = await client.get(payment["pay_url"], allow_redirects=False)
    assert (res.status, res.headers["Location"]) == (303, f"/payment/done?p={payment['id']}")
    assert len(platform.transactions) == 1  # a paid fee opens no second checkout
    with sqlite3.connect(tmp_path / "data" / "videoschalter.db") as db:
        events = db.execute("select detail from case_events where kind = 'payment_state'").fetchall()
    assert sum('"paid"' in d for (d,) in events) == 1
    assert (await client.get("/sandbox-pay/sbx_whatever")).status == 404  # no sandbox behind the platform


async def test_forged_replayed_and_wrong_amount_callbacks_are_refused(client: TestClient, platform: PaymentPlatform,
                                                                     tmp_path: Path) -> None:
    call, payment, tx = await at_the_platform(client, platform)
    refused = {
        "bad_signature": platform.notification(tx, secret=b"not-the-platform-secret-but-32-bytes-long"),
        "wrong_merchant": platform.notification(tx, merchant_id="nachbarstadt-kasse"),
        "amount_mismatch": platform.notification(tx, amount_cents=1),
        "stale": platform.notification(tx, timestamp=int(time.time()) - 3600),
    }
    for reason, body in refused.items():
        assert await platform.send(tx, body) == (400, reason), reason
    # signed over 500 cents, then the amount changed on the way: the signature no longer fits
    tampered = platform.notification(tx).replace(b"amount=500", b"amount=5")
    assert await platform.send(tx, tampered) == (400, "bad_signature")
    assert await platform.send(tx, b"status=paid", wire.FORM) == (400, "missing_field")
    assert states(tmp_path / "data") == [("pending", 500)]

    good = platform.notification(tx)
    assert await platform.send(tx, good) == (200, "ok")
    assert (await recv(call.clerk, "payment", state="paid"))["id"] == payment["id"]
    assert await platform.send(tx, good) == (400, "replay")  # the very same message again
    # a forged "refunded" after the payment is refused before it could touch the state
    forged = platform.notification(tx, status="refunded", secret=b"x" * 40)
    assert await platform.send(tx, forged) == (400, "bad_signature")
    assert states(tmp_path / "data") == [("paid", 500)]


async def test_a_cancelled_checkout_starts_again_at_the_platform(client: TestClient,
                                                                 platform: PaymentPlatform) -> None:
    call, payment, first = await at_the_platform(client, platform)
    async with aiohttp.ClientSession() as browser, browser.post(
            f"{platform.url}/p/{first.transaction_id}", data={"action": "cancel"}, allow_redirects=False) as res:
        assert res.status == 303
    await recv(call.citizen, "payment", state="cancelled")
    res = await client.get(payment["pay_url"], allow_redirects=False)  # the same link, a new checkout
    second = next(t for t in platform.transactions.values() if t is not first)
    assert res.headers["Location"].endswith(second.transaction_id) and second.reference == payment["id"]
    # a late "cancelled" about the abandoned first checkout does not overwrite the second one
    assert await platform.send(first, platform.notification(first, status="cancelled")) == (200, "ok")
    assert await platform.send(second, platform.notification(second)) == (200, "ok")
    assert (await recv(call.citizen, "payment", state="paid"))["id"] == payment["id"]


async def test_an_unreachable_platform_is_said_plainly(client: TestClient, platform: PaymentPlatform) -> None:
    call = await start_call(client)
    await call.to_server("case_service", service="meldebescheinigung")
    await call.to_server("pay_request")
    payment = await recv(call.citizen, "payment", state="open")
    await platform.stop()
    res = await client.get(payment["pay_url"], allow_redirects=False)
    assert res.status == 502 and "nicht erreichbar" in await res.text()
