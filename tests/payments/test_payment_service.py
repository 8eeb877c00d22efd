"""The use case with the sandbox provider: request, checkout, signed callback, applied exactly once."""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode

import pytest

from videoschalter.payments import wire
from videoschalter.payments.model import PaymentError, PaymentState
from videoschalter.payments.providers import ForgedNotification
from videoschalter.payments.sandbox import SandboxProvider
from videoschalter.payments.service import (
    AlreadySettled,
    MemoryPaymentStore,
    NotificationRefused,
    PaymentNotFound,
    PaymentService,
    VersionConflict,
)
from videoschalter.payments.signature import sign

RETURN = "https://videoschalter.musterstadt.example/w/tok/zahlung"
NOTIFY = "https://videoschalter.musterstadt.example/api/payments/notify"
S = PaymentState


async def started(service: PaymentService, amount: int = 500):  # type: ignore[no-untyped-def]
    request = await service.request_payment("ticket-42", amount, "Meldebescheinigung")
    redirect = await service.start_checkout(request.id, RETURN, NOTIFY)
    return request, redirect


def rewrite(body: bytes, secret: bytes | None = None, **changes: str) -> bytes:
    """Change fields of a form notification; re-sign with ``secret`` (an attacker's key) if given."""
    data = dict(parse_qsl(body.decode()))
    data.update(changes)
    if secret is not None:
        data["signature"] = sign(
            {k: data[k] for k in wire.NOTIFICATION_FIELDS}, secret)
    return urlencode(data).encode()


async def test_request_is_stored_open_with_the_exact_fee(service: PaymentService) -> None:
    request = await service.request_payment("ticket-42", 1300, "Führungszeugnis")
    assert request.state == S.OPEN and request.amount_cents == 1300 and request.version == 1
    assert request.id.startswith("VS-") and await service.get(request.id) == request


async def test_sandbox_payment_end_to_end(service: PaymentService, sandbox: SandboxProvider, events) -> None:  # type: ignore[no-untyped-def]
    request, redirect = await started(service)
    assert redirect.url == f"https://videoschalter.musterstadt.example/sandbox-pay/{redirect.provider_ref}"
    pending = await service.get(request.id)
    assert pending is not None and pending.state == S.PENDING
    assert (pending.provider, pending.provider_ref) == ("sandbox", redirect.provider_ref)
    callback = sandbox.complete(redirect.provider_ref, "pay")
    assert (callback.notify_url, callback.return_url) == (NOTIFY, RETURN)
    paid = await service.handle_notification(callback.body, callback.content_type, callback.headers)
    assert paid.state == S.PAID and paid.paid_at is not None
    assert events.states() == [S.PENDING, S.PAID]


async def test_second_paid_notification_is_idempotent(service: PaymentService, sandbox: SandboxProvider,
                                                      events) -> None:  # type: ignore[no-untyped-def]
    _, redirect = await started(service)
    first = sandbox.complete(redirect.provider_ref, "pay")
    paid = await service.handle_notification(first.body, first.content_type, {})
    second = sandbox.complete(redirect.provider_ref, "pay")  # the platform re-sends (fresh nonce)
    again = await service.handle_notification(second.body, second.content_type, {})
    assert again == paid and again.version == paid.version
    assert events.states().count(S.PAID) == 1


async def test_replayed_notification_is_refused(service: PaymentService, sandbox: SandboxProvider) -> None:
    _, redirect = await started(service)
    callback = sandbox.complete(redirect.provider_ref, "pay")
    await service.handle_notification(callback.body, callback.content_type, {})
    with pytest.raises(ForgedNotification) as err:
        await service.handle_notification(callback.body, callback.content_type, {})
    assert err.value.reason == "replay"


async def test_old_notification_is_refused(service: PaymentService, sandbox: SandboxProvider, clock) -> None:  # type: ignore[no-untyped-def]
    request, redirect = await started(service)
    callback = sandbox.complete(redirect.provider_ref, "pay")
    clock.t += 301
    with pytest.raises(ForgedNotification) as err:
        await service.handle_notification(callback.body, callback.content_type, {})
    assert err.value.reason == "stale"
    assert (await service.get(request.id)).state == S.PENDING  # type: ignore[union-attr]


async def test_forged_callback_with_wrong_secret_is_refused(service: PaymentService, sandbox: SandboxProvider,
                                                            events) -> None:  # type: ignore[no-untyped-def]
    request, redirect = await started(service)
    cancelled = sandbox.complete(redirect.provider_ref, "cancel")
    forged = rewrite(cancelled.body, secret=b"attacker-guessed-this-secret-xxxx", status="paid")
    with pytest.raises(ForgedNotification) as err:
        await service.handle_notification(forged, wire.FORM, {})
    assert err.value.reason == "bad_signature"
    assert (await service.get(request.id)).state == S.PENDING  # type: ignore[union-attr]
    assert events.states() == [S.PENDING]


async def test_tampered_status_without_resigning_is_refused(service: PaymentService,
                                                            sandbox: SandboxProvider) -> None:
    _, redirect = await started(service)
    cancelled = sandbox.complete(redirect.provider_ref, "cancel")
    with pytest.raises(ForgedNotification, match="bad_signature"):
        await service.handle_notification(rewrite(cancelled.body, status="paid"), wire.FORM, {})


async def test_notification_for_unknown_request_is_refused(service: PaymentService, sandbox: SandboxProvider,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    _, redirect = await started(service)
    callback = sandbox.complete(redirect.provider_ref, "pay")
    forged = rewrite(callback.body, secret=b"sandbox-secret-for-tests-only-32b", reference="VS-DOESNOTEXIST")
    with caplog.at_level(logging.WARNING, "videoschalter.payments"), pytest.raises(NotificationRefused) as err:
        await service.handle_notification(forged, wire.FORM, {})
    assert err.value.reason == "unknown_request"
    assert "unknown payment" in caplog.text


async def test_wrong_amount_is_refused_and_logged_as_fraud(sandbox: SandboxProvider, clock, events,  # type: ignore[no-untyped-def]
                                                           caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryPaymentStore()
    service = PaymentService(sandbox, store, now=clock.now)
    service.subscribe(events)
    request, redirect = await started(service, amount=7000)
    # the sandbox is told a lower amount than the one stored (as if someone tampered with the checkout)
    checkout = sandbox.checkout(redirect.provider_ref)
    assert checkout is not None
    checkout.amount_cents = 70
    callback = sandbox.complete(redirect.provider_ref, "pay")
    with caplog.at_level(logging.WARNING, "videoschalter.payments"), pytest.raises(NotificationRefused) as err:
        await service.handle_notification(callback.body, callback.content_type, {})
    assert err.value.reason == "amount_mismatch"
    assert "FRAUD SUSPICION" in caplog.text and request.id in caplog.text
    assert (await service.get(request.id)).state == S.PENDING  # type: ignore[union-attr]
    assert S.PAID not in events.states()


async def test_wrong_currency_is_refused(service: PaymentService, sandbox: SandboxProvider) -> None:
    _, redirect = await started(service)
    checkout = sandbox.checkout(redirect.provider_ref)
    assert checkout is not None
    checkout.currency = "USD"
    callback = sandbox.complete(redirect.provider_ref, "pay")
    with pytest.raises(NotificationRefused, match="wrong_currency"):
        await service.handle_notification(callback.body, callback.content_type, {})


async def test_cancel_then_retry_then_pay(service: PaymentService, sandbox: SandboxProvider, events) -> None:  # type: ignore[no-untyped-def]
    request, first = await started(service)
    cancel = sandbox.complete(first.provider_ref, "cancel")
    assert (await service.handle_notification(cancel.body, cancel.content_type, {})).state == S.CANCELLED
    second = await service.start_checkout(request.id, RETURN, NOTIFY)
    assert second.provider_ref != first.provider_ref
    pay = sandbox.complete(second.provider_ref, "pay")
    paid = await service.handle_notification(pay.body, pay.content_type, {})
    assert paid.state == S.PAID and paid.provider_ref == second.provider_ref
    assert events.states() == [S.PENDING, S.CANCELLED, S.PENDING, S.PAID]


async def test_late_cancel_of_an_abandoned_attempt_does_not_disturb_the_current_one(
        service: PaymentService, sandbox: SandboxProvider) -> None:
    request, first = await started(service)
    second = await service.start_checkout(request.id, RETURN, NOTIFY)  # citizen reloaded the page
    late = sandbox.complete(first.provider_ref, "cancel")
    current = await service.handle_notification(late.body, late.content_type, {})
    assert current.state == S.PENDING and current.provider_ref == second.provider_ref


async def test_payment_of_an_earlier_attempt_is_booked(service: PaymentService, sandbox: SandboxProvider) -> None:
    request, first = await started(service)
    await service.start_checkout(request.id, RETURN, NOTIFY)
    pay = sandbox.complete(first.provider_ref, "pay")
    paid = await service.handle_notification(pay.body, pay.content_type, {})
    assert paid.state == S.PAID and paid.provider_ref == first.provider_ref  # the transaction that has the money


async def test_double_payment_is_not_booked_twice_but_flagged(service: PaymentService, sandbox: SandboxProvider,
                                                              events, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    request, first = await started(service)
    second = await service.start_checkout(request.id, RETURN, NOTIFY)
    for redirect in (first, second):
        pay = sandbox.complete(redirect.provider_ref, "pay")
        with caplog.at_level(logging.WARNING, "videoschalter.payments"):
            result = await service.handle_notification(pay.body, pay.content_type, {})
    assert result.provider_ref == first.provider_ref
    assert events.states().count(S.PAID) == 1
    assert "DOUBLE PAYMENT" in caplog.text and second.provider_ref in caplog.text


async def test_failure_after_payment_is_acknowledged_but_ignored(service: PaymentService,
                                                                 sandbox: SandboxProvider) -> None:
    request, redirect = await started(service)
    pay = sandbox.complete(redirect.provider_ref, "pay")
    await service.handle_notification(pay.body, pay.content_type, {})
    body = wire.notification_body(
        secret=b"sandbox-secret-for-tests-only-32b", merchant_id="sandbox", transaction_id=redirect.provider_ref,
        reference=request.id, amount_cents=500, currency="EUR", status="failed",
        timestamp=int(sandbox._clock()), nonce="late-failure")
    result = await service.handle_notification(body, wire.FORM, {})
    assert result.state == S.PAID


async def test_checkout_of_a_paid_request_is_refused(service: PaymentService, sandbox: SandboxProvider) -> None:
    request, redirect = await started(service)
    pay = sandbox.complete(redirect.provider_ref, "pay")
    await service.handle_notification(pay.body, pay.content_type, {})
    with pytest.raises(AlreadySettled):
        await service.start_checkout(request.id, RETURN, NOTIFY)


async def test_checkout_errors(service: PaymentService) -> None:
    with pytest.raises(PaymentNotFound):
        await service.start_checkout("VS-NOPE", RETURN, NOTIFY)
    request = await service.request_payment("t", 500, "Gebühr")
    with pytest.raises(PaymentError, match="http"):
        await service.start_checkout(request.id, "javascript:alert(1)", NOTIFY)


async def test_notification_from_another_provider_is_refused(service: PaymentService, clock) -> None:  # type: ignore[no-untyped-def]
    request, _ = await started(service)
    other = SandboxProvider("https://x.example", b"o" * 32, clock=clock)
    other.name = "hosted"  # pretend: a second provider that shares the wire format
    foreign = PaymentService(other, service.store, now=clock.now)
    redirect = await other.create(request, RETURN, NOTIFY)
    pay = other.complete(redirect.provider_ref, "pay")
    with pytest.raises(NotificationRefused, match="wrong_provider"):
        await foreign.handle_notification(pay.body, pay.content_type, {})


async def test_concurrent_update_is_retried(service: PaymentService, sandbox: SandboxProvider) -> None:
    _, redirect = await started(service)
    store = service.store
    original_put = store.put
    calls = 0

    async def racing_put(r):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:  # someone else stores first
            current = await store.get(r.id)
            await original_put(replace(current))
        return await original_put(r)

    store.put = racing_put  # type: ignore[method-assign]
    pay = sandbox.complete(redirect.provider_ref, "pay")
    paid = await service.handle_notification(pay.body, pay.content_type, {})
    assert paid.state == S.PAID and calls == 2  # the first put lost the race, the second one won


async def test_store_refuses_stale_versions() -> None:
    store = MemoryPaymentStore()
    service = PaymentService(SandboxProvider(), store)
    request = await service.request_payment("t", 500, "Gebühr")
    with pytest.raises(VersionConflict):
        await store.put(replace(request, version=0))  # insert of an existing id
    with pytest.raises(VersionConflict):
        await store.put(replace(request, id="VS-NEW"))  # update of a missing id
    updated = await store.put(replace(request, purpose="x"))
    assert updated.version == 2
    with pytest.raises(VersionConflict):
        await store.put(replace(request, purpose="y"))  # read at version 1, stored is 2


async def test_broken_listener_does_not_lose_the_payment(service: PaymentService, sandbox: SandboxProvider,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    async def broken(request, previous):  # type: ignore[no-untyped-def]
        raise RuntimeError("websocket gone")

    service.subscribe(broken)
    request, redirect = await started(service)
    pay = sandbox.complete(redirect.provider_ref, "pay")
    with caplog.at_level(logging.ERROR, "videoschalter.payments"):
        paid = await service.handle_notification(pay.body, pay.content_type, {})
    assert paid.state == S.PAID and (await service.get(request.id)).state == S.PAID  # type: ignore[union-attr]
    assert "listener failed" in caplog.text
