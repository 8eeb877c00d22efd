"""The fee of a case: the clerk's ``pay_request`` and the live ``payment`` messages.

The amount is the catalogue's ``fee_cents`` of the case's service, nothing else. A case has
at most one request that is not settled; asking again announces that same request, the
citizen's link ``/pay/<id>`` opens a fresh checkout of it (also after a failed or cancelled
attempt), and a paid fee is never asked twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from signaling import case_store as cs
from signaling.case_store import CaseRow
from signaling.storage import NotFound, Storage
from videoschalter.certificates.models import ReceiptData
from videoschalter.certificates.render import render_receipt
from videoschalter.certificates.signing import sign_pdf
from videoschalter.payments import PaymentNotFound, PaymentRequest, PaymentState

if TYPE_CHECKING:
    from signaling.case_hub import CaseHub
    from signaling.hub import Conn
    from signaling.storage import Clerk

log = logging.getLogger("videoschalter.payments")
RETURN_PATH = "/payment/done"
PAY_PATH = "/pay/{payment_id}"  # the citizen's link: starts the checkout, then on to the provider
NOTIFY_PATH = "/api/v1/payments/notify"


async def request_fee(ch: CaseHub, conn: Conn, clerk: Clerk, case: CaseRow) -> None:
    payments = ch.services.payments
    if payments is None:
        await ch.error(conn, "payments_off", "Online-Zahlung ist nicht eingerichtet", "pay_request")
        return
    service = ch.services.config.service(case.service) if case.service else None
    if service is None:
        await ch.error(conn, "no_service", "Bitte zuerst die Leistung wählen", "pay_request")
        return
    if service.fee_cents == 0:
        await ch.error(conn, "no_fee", f"{service.name} ist gebührenfrei", "pay_request")
        return
    existing = await ch.store.run(cs.payments_of, case.id)
    if any(p.state == PaymentState.PAID for p in existing):
        await ch.error(conn, "already_paid", "Die Gebühr ist bereits bezahlt", "pay_request")
        return
    # asking again re-announces the open request: one fee, one request, never two
    current = next((p for p in reversed(existing) if not p.is_final and p.amount_cents == service.fee_cents), None)
    if current is None:
        current = await payments.request_payment(cs.payment_reference(case.id), service.fee_cents,
                                                  f"{service.name}, Vorgang {case.id}")
    await announce(ch, case.ticket_id, current)


async def checkout(ch: CaseHub, request_id: str) -> str:
    """The citizen follows ``/pay/<id>``: open a checkout at the provider, return its page URL.

    Raises ``PaymentNotFound``, ``AlreadySettled``, ``ProviderError`` or ``PaymentError``.
    """
    payments = ch.services.payments
    if payments is None:
        raise PaymentNotFound(request_id)
    base = ch.services.public_base_url
    redirect = await payments.start_checkout(request_id, return_url(base, request_id), base + NOTIFY_PATH)
    return redirect.url


def return_url(base: str, request_id: str) -> str:
    """Where the provider sends the browser back: the done page, told which payment it was about."""
    return f"{base}{RETURN_PATH}?{urlencode({'p': request_id})}"


async def announce(ch: CaseHub, ticket_id: int | None, request: PaymentRequest) -> None:
    await ch.to_citizen(ticket_id, "payment", **ch.payment_public(request, "citizen"))
    await ch.to_clerks(ticket_id, "payment", **ch.payment_public(request, "clerk"))


async def payment_changed(ch: CaseHub, request: PaymentRequest, previous: Any) -> None:
    """The payment service stored a new state (callback or checkout): both sides hear it."""
    case_id = await ch.store.run(cs.case_of_payment, request.id)
    if case_id is None:
        return
    case = await ch.store.run(cs.case, case_id)
    await announce(ch, case.ticket_id, request)
    if request.state == PaymentState.PAID and previous != PaymentState.PAID:
        ch.spawn(receipt(ch, case, request))  # not in the provider's callback: it waits for our answer


async def receipt(ch: CaseHub, case: CaseRow, request: PaymentRequest) -> None:
    """The signed Zahlungsbeleg as a document of the case (once per payment, by its idempotency key)."""
    service = ch.services.config.service(case.service) if case.service else None
    identity = case.identity or {}
    payer = " ".join(str(identity.get(k, "")).title() for k in ("given_names", "surname")).strip()
    if not payer and case.ticket_id is not None:
        try:
            payer = (await ch.store.run(Storage.ticket, case.ticket_id)).name
        except NotFound:
            payer = ""
    sandbox = bool(ch.services.payments and ch.services.payments.provider.test_mode)
    data = ReceiptData(receipt_number=request.id, payer_name=payer or "–",
                       service=service.name if service else request.purpose, fee_cents=request.amount_cents,
                       payment_reference=request.provider_ref or request.id,
                       paid_at=request.paid_at or request.created_at,
                       payment_method="Online-Zahlung (Testmodus, kein Geld bewegt)" if sandbox else "Online-Zahlung")
    try:
        pdf = await asyncio.to_thread(
            lambda: sign_pdf(render_receipt(data, ch.services.office), ch.services.signer, reason="Zahlungsbeleg"))
    except (ValueError, OSError):
        log.exception("payment %s: receipt not created", request.id)
        return
    await ch.add_document(case, pdf, f"Zahlungsbeleg-{request.id}.pdf", "application/pdf", "system", "receipt",
                          key=f"receipt-{request.id}")
