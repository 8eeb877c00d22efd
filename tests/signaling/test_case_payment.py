"""The fee: requested from the catalogue, paid on the sandbox page, confirmed only by a signed callback."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.signaling.case_support import Call, recv, start_call
from videoschalter.payments import wire

FORM = "application/x-www-form-urlencoded"


async def requested(client: TestClient) -> tuple[Call, dict[str, Any]]:
    call = await start_call(client)
    await call.to_server("pay_request")
    assert (await recv(call.clerk, "error"))["code"] == "no_service"
    await call.to_server("case_service", service="meldebescheinigung")
    await call.to_server("pay_request")
    payment = await recv(call.citizen, "payment", state="open")
    assert payment["amount_cents"] == 500 and payment["currency"] == "EUR" and payment["sandbox"] is True
    assert payment["pay_url"] == f"/pay/{payment['id']}"
    clerk_view = await recv(call.clerk, "payment", state="open")
    assert "pay_url" not in clerk_view and clerk_view["ticket_id"] == call.ticket_id
    return call, payment


async def checkout(call: Call, payment: dict[str, Any]) -> str:
    """The citizen follows the pay link: a checkout starts, the browser is sent to the sandbox page."""
    res = await call.client.get(payment["pay_url"], allow_redirects=False)
    assert res.status == 303
    page = res.headers["Location"]
    assert page.startswith("/sandbox-pay/sbx_")
    assert (await recv(call.citizen, "payment", state="pending"))["id"] == payment["id"]
    return page


def signed_note(data_dir: Path, payment_id: str, ref: str, amount: int, status: str = "paid",
                secret: bytes | None = None) -> bytes:
    secret = secret or bytes.fromhex((data_dir / "sandbox-payment.key").read_text().strip())
    return wire.notification_body(secret=secret, merchant_id="sandbox", transaction_id=ref, reference=payment_id,
                                  amount_cents=amount, currency="EUR", status=status, timestamp=int(time.time()),
                                  nonce=f"n{time.monotonic_ns()}")


async def test_sandbox_payment_goes_through_the_signed_callback(client: TestClient, data_dir: Path) -> None:
    call, payment = await requested(client)
    await call.to_server("pay_request")  # asked again: the same request, not a second one
    assert (await recv(call.clerk, "payment", state="open"))["id"] == payment["id"]
    sandbox_url = await checkout(call, payment)
    page = await client.get(sandbox_url)
    text = await page.text()
    assert page.status == 200 and "Testmodus" in text and "5,00" in text
    css = await client.get("/sandbox-pay/_/sandbox.css")
    assert css.status == 200 and css.content_type == "text/css"
    res = await client.post(sandbox_url, data={"action": "pay"}, allow_redirects=False)
    assert res.status == 303 and res.headers["Location"] == f"/payment/done?p={payment['id']}"
    paid = await recv(call.citizen, "payment", state="paid")
    assert paid["id"] == payment["id"] and "pay_url" not in paid
    assert (await recv(call.clerk, "payment", state="paid"))["paid_at"]
    receipt = await recv(call.citizen, "document", kind="receipt")
    assert receipt["mime"] == "application/pdf" and payment["id"] in receipt["name"]
    got = await client.get(f"/api/v1/case/documents/{receipt['id']}", headers=call.citizen_auth)
    assert b"Zahlungsbeleg" in await got.read()
    with sqlite3.connect(data_dir / "videoschalter.db") as db:
        assert db.execute("select state, amount_cents from payments").fetchall() == [("paid", 500)]
    # a double click sends the same result again: nothing changes, nothing is booked twice
    res = await client.post(sandbox_url, data={"action": "pay"}, allow_redirects=False)
    assert res.status == 303
    res = await client.get(payment["pay_url"], allow_redirects=False)  # the link of a paid fee
    assert (res.status, res.headers["Location"]) == (303, f"/payment/done?p={payment['id']}")
    await call.to_server("pay_request")
    assert (await recv(call.clerk, "error"))["code"] == "already_paid"
    with sqlite3.connect(data_dir / "videoschalter.db") as db:
        assert db.execute("select count(*) from payments").fetchone() == (1,)
        states = db.execute("select detail from case_events where kind = 'payment_state'").fetchall()
    assert sum('"paid"' in d for (d,) in states) == 1
    done = await client.get(f"/payment/done?p={payment['id']}")
    assert done.status == 200 and "Zahlung abgeschlossen" in await done.text()
    unknown = await client.get("/payment/done?p=nonsense")  # no state known: no false "done"
    assert unknown.status == 200 and "Zahlung wird geprüft" in await unknown.text()


async def test_forged_and_wrong_amount_callbacks_are_refused(client: TestClient, data_dir: Path) -> None:
    call, payment = await requested(client)
    ref = (await checkout(call, payment)).rsplit("/", 1)[1]
    forged = signed_note(data_dir, payment["id"], ref, 500, secret=b"f" * 32)
    res = await client.post("/api/v1/payments/notify", data=forged, headers={"Content-Type": FORM})
    assert (res.status, await res.text()) == (400, "bad_signature")
    wrong = signed_note(data_dir, payment["id"], ref, 1)
    res = await client.post("/api/v1/payments/notify", data=wrong, headers={"Content-Type": FORM})
    assert (res.status, await res.text()) == (400, "amount_mismatch")
    tampered = re.sub(rb"amount=500", b"amount=50", signed_note(data_dir, payment["id"], ref, 500))
    res = await client.post("/api/v1/payments/notify", data=tampered, headers={"Content-Type": FORM})
    assert (res.status, await res.text()) == (400, "bad_signature")
    with sqlite3.connect(data_dir / "videoschalter.db") as db:
        assert db.execute("select state from payments").fetchall() == [("pending",)]
    good = signed_note(data_dir, payment["id"], ref, 500)
    res = await client.post("/api/v1/payments/notify", data=good, headers={"Content-Type": FORM})
    assert res.status == 200
    assert (await recv(call.citizen, "payment", state="paid"))["id"] == payment["id"]
    res = await client.post("/api/v1/payments/notify", data=good, headers={"Content-Type": FORM})
    assert (res.status, await res.text()) == (400, "replay")


async def test_cancelled_attempt_can_be_retried_with_the_same_request(client: TestClient) -> None:
    call, payment = await requested(client)
    first = await checkout(call, payment)
    res = await client.post(first, data={"action": "cancel"}, allow_redirects=False)
    assert res.status == 303
    await recv(call.citizen, "payment", state="cancelled")
    second = await checkout(call, payment)
    assert second != first
    assert (await client.get(first)).status == 200  # the old page says it ended
    res = await client.post(second, data={"action": "pay"}, allow_redirects=False)
    assert res.status == 303
    assert (await recv(call.citizen, "payment", state="paid"))["id"] == payment["id"]
    assert (await client.get("/sandbox-pay/sbx_unknown")).status == 404
    assert (await client.get("/pay/VS-0000000000000000")).status == 404
