"""HostedPageProvider against a fake platform on 127.0.0.1: create → redirect → signed callback → paid."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from videoschalter.payments import wire
from videoschalter.payments.hosted import HostedPageProvider, HostedPageSettings, secret_from_env
from videoschalter.payments.model import PaymentState
from videoschalter.payments.providers import ForgedNotification, ProviderError
from videoschalter.payments.service import MemoryPaymentStore, NotificationRefused, PaymentService
from videoschalter.payments.signature import MemorySeenStore, verify

SECRET = "platform-shared-secret-0123456789abcdef"
MERCHANT = "musterstadt-kasse"


class FakePlatform:
    """The external party: checks our signed create call, hands out a page, later calls us back."""

    def __init__(self, secret: bytes = SECRET.encode()) -> None:
        self.secret = secret
        self.payments: dict[str, dict[str, str]] = {}
        self.tamper: Callable[[dict[str, str]], Any] | None = None  # spoils the create answer (tests of bad answers)
        self.status = 201
        self.app = web.Application()
        self.app.router.add_post("/api/v1/payments", self.create)
        self.app.router.add_get("/pay/{tid}", self.page)
        self.app.router.add_post("/pay/{tid}", self.confirm)

    async def create(self, request: web.Request) -> web.Response:
        data = wire.decode_body(await request.read(), request.content_type)
        fields = {k: data[k] for k in wire.CREATE_FIELDS}
        if not verify(fields, data["signature"], self.secret):
            return web.json_response({"error": "bad signature"}, status=401)
        if data["currency"] != "EUR" or abs(int(data["timestamp"]) - time.time()) > 300:
            return web.json_response({"error": "bad request"}, status=400)
        tid = "T" + secrets.token_hex(6)
        self.payments[tid] = data
        values = {**data, "transaction_id": tid, "redirect_url": f"http://{request.host}/pay/{tid}"}
        answer = wire.signed(wire.CREATE_RESPONSE_FIELDS, values, self.secret)
        return web.json_response(self.tamper(answer) if self.tamper else answer, status=self.status)

    async def page(self, request: web.Request) -> web.Response:
        payment = self.payments[request.match_info["tid"]]
        return web.Response(text=f"Zahlung {payment['amount']} Cent – {payment['purpose']}")

    async def confirm(self, request: web.Request) -> web.Response:
        """The citizen paid: notify the town's server (JSON, numbers as numbers), then send the browser back."""
        tid = request.match_info["tid"]
        payment = self.payments[tid]
        form = await request.post()
        values = {"merchant_id": payment["merchant_id"], "transaction_id": tid, "reference": payment["reference"],
                  "amount": str(form.get("amount", payment["amount"])), "currency": "EUR",
                  "status": str(form.get("status", "paid")), "timestamp": str(int(time.time())),
                  "nonce": secrets.token_urlsafe(12)}
        body = wire.signed(wire.NOTIFICATION_FIELDS, values, self.secret)
        body_json = {**body, "amount": int(body["amount"]), "timestamp": int(body["timestamp"])}
        async with aiohttp.ClientSession() as session, session.post(payment["notify_url"], json=body_json) as res:
            self.last_notify_status = res.status
        raise web.HTTPSeeOther(payment["return_url"])


@pytest.fixture
async def platform(aiohttp_server):  # type: ignore[no-untyped-def]
    fake = FakePlatform()
    fake.server = await aiohttp_server(fake.app)
    return fake


def provider_for(platform: FakePlatform, **changes: Any) -> HostedPageProvider:
    settings = HostedPageSettings(base_url=str(platform.server.make_url("/api/v1")), merchant_id=MERCHANT,
                                  secret_env="VS_PAY_SECRET", **changes)
    return HostedPageProvider.from_env(settings, seen=MemorySeenStore(), environ={"VS_PAY_SECRET": SECRET})


@pytest.fixture
async def town(aiohttp_server, platform):  # type: ignore[no-untyped-def]
    """Our side: the service and a tiny app with the notify route, as the lead will wire it."""
    service = PaymentService(provider_for(platform), MemoryPaymentStore())
    changes: list[PaymentState] = []
    service.subscribe(lambda r, prev: changes.append(r.state))

    async def notify(request: web.Request) -> web.Response:
        try:
            await service.handle_notification(await request.read(), request.content_type, request.headers)
        except (ForgedNotification, NotificationRefused) as exc:
            return web.Response(status=400, text=exc.reason)
        return web.Response(text="OK")

    async def back(request: web.Request) -> web.Response:
        return web.Response(text="Danke")

    app = web.Application()
    app.router.add_post("/api/payments/notify", notify)
    app.router.add_get("/w/tok/zahlung", back)
    server = await aiohttp_server(app)
    return service, server, changes


async def test_end_to_end_create_redirect_notify_paid(platform, town) -> None:  # type: ignore[no-untyped-def]
    service, server, changes = town
    request = await service.request_payment("ticket-42", 1300, "Führungszeugnis, Ticket 42")
    redirect = await service.start_checkout(request.id, str(server.make_url("/w/tok/zahlung")),
                                            str(server.make_url("/api/payments/notify")))
    assert redirect.url == str(platform.server.make_url(f"/pay/{redirect.provider_ref}"))
    sent = platform.payments[redirect.provider_ref]
    assert (sent["amount"], sent["currency"], sent["reference"], sent["purpose"]) == (
        "1300", "EUR", request.id, "Führungszeugnis, Ticket 42")
    async with aiohttp.ClientSession() as citizen:
        async with citizen.get(redirect.url) as res:
            assert res.status == 200 and "1300 Cent" in await res.text()
        async with citizen.post(redirect.url, data={}) as res:  # pays, follows the redirect back to us
            assert res.status == 200 and await res.text() == "Danke"
        assert platform.last_notify_status == 200
        paid = await service.get(request.id)
        assert paid is not None and paid.state == PaymentState.PAID and paid.provider == "hosted"
        assert paid.provider_ref == redirect.provider_ref
        async with citizen.post(redirect.url, data={}) as res:  # the platform notifies again
            assert res.status == 200
        assert platform.last_notify_status == 200
    assert changes == [PaymentState.PENDING, PaymentState.PAID]


async def test_callback_with_other_amount_is_refused(platform, town) -> None:  # type: ignore[no-untyped-def]
    service, server, changes = town
    request = await service.request_payment("ticket-42", 1300, "Führungszeugnis")
    redirect = await service.start_checkout(request.id, str(server.make_url("/w/tok/zahlung")),
                                            str(server.make_url("/api/payments/notify")))
    async with aiohttp.ClientSession() as citizen, citizen.post(redirect.url, data={"amount": "13"}) as res:
        assert res.status == 200
    assert platform.last_notify_status == 400
    assert (await service.get(request.id)).state == PaymentState.PENDING  # type: ignore[union-attr]
    assert PaymentState.PAID not in changes


async def test_callback_signed_with_another_secret_is_refused(platform, town) -> None:  # type: ignore[no-untyped-def]
    service, server, _ = town
    request = await service.request_payment("ticket-42", 500, "Meldebescheinigung")
    redirect = await service.start_checkout(request.id, str(server.make_url("/w/tok/zahlung")),
                                            str(server.make_url("/api/payments/notify")))
    platform.secret = b"someone-elses-secret-0123456789abcdef"
    async with aiohttp.ClientSession() as citizen, citizen.post(redirect.url, data={}) as res:
        assert res.status == 200
    assert platform.last_notify_status == 400
    assert (await service.get(request.id)).state == PaymentState.PENDING  # type: ignore[union-attr]


@pytest.mark.parametrize("problem", ["bad_signature", "other_host", "other_reference", "http_500", "not_json",
                                     "missing_field", "too_large"])
async def test_unusable_create_answers_are_refused(platform, problem: str) -> None:  # type: ignore[no-untyped-def]
    provider = provider_for(platform)
    service = PaymentService(provider, MemoryPaymentStore())
    request = await service.request_payment("t", 500, "Gebühr")
    resign = platform.secret

    def spoil(answer: dict[str, str]) -> Any:
        if problem == "bad_signature":
            return {**answer, "signature": "0" * 64}
        if problem == "other_host":
            return wire.signed(wire.CREATE_RESPONSE_FIELDS, {**answer, "redirect_url": "https://evil.example/"},
                               resign)
        if problem == "other_reference":
            return wire.signed(wire.CREATE_RESPONSE_FIELDS, {**answer, "reference": "VS-OTHER"}, resign)
        if problem == "not_json":
            return "<html>"
        if problem == "missing_field":
            return {k: v for k, v in answer.items() if k != "transaction_id"}
        if problem == "too_large":
            return {**answer, "padding": "x" * 20_000}
        return answer

    platform.tamper = spoil
    if problem == "http_500":
        platform.status = 500
    with pytest.raises(ProviderError):
        await service.start_checkout(request.id, "https://vs.example/back", "https://vs.example/notify")
    assert (await service.get(request.id)).state == PaymentState.OPEN  # type: ignore[union-attr]


async def test_platform_not_reachable() -> None:
    settings = HostedPageSettings(base_url="http://127.0.0.1:9", merchant_id=MERCHANT, secret_env="X",
                                  timeout_s=2)
    provider = HostedPageProvider(settings, SECRET.encode(), seen=MemorySeenStore())
    service = PaymentService(provider, MemoryPaymentStore())
    request = await service.request_payment("t", 500, "Gebühr")
    with pytest.raises(ProviderError, match="not reachable"):
        await service.start_checkout(request.id, "https://vs.example/back", "https://vs.example/notify")


async def test_shared_session_is_used(platform) -> None:  # type: ignore[no-untyped-def]
    settings = HostedPageSettings(base_url=str(platform.server.make_url("/api/v1")), merchant_id=MERCHANT,
                                  secret_env="X")
    async with aiohttp.ClientSession() as session:
        provider = HostedPageProvider(settings, SECRET.encode(), seen=MemorySeenStore(), session=session)
        service = PaymentService(provider, MemoryPaymentStore())
        request = await service.request_payment("t", 500, "Gebühr")
        redirect = await service.start_checkout(request.id, "https://vs.example/b", "https://vs.example/n")
        assert redirect.provider_ref in platform.payments
        assert not session.closed


def test_settings_refuse_plain_http_to_remote_hosts_and_short_secrets() -> None:
    with pytest.raises(ValueError, match="https"):
        HostedPageSettings(base_url="http://epay.example.de/api", merchant_id="m", secret_env="X")
    HostedPageSettings(base_url="https://epay.example.de/api", merchant_id="m", secret_env="X")
    with pytest.raises(ValueError, match="not set"):
        secret_from_env("VS_PAY_SECRET", {})
    with pytest.raises(ValueError, match="shorter") as err:
        secret_from_env("VS_PAY_SECRET", {"VS_PAY_SECRET": "short-secret"})
    assert "short-secret" not in str(err.value)  # the value never appears in messages


def test_repr_hides_the_secret() -> None:
    settings = HostedPageSettings(base_url="https://epay.example.de", merchant_id="m", secret_env="X")
    provider = HostedPageProvider(settings, SECRET.encode(), seen=MemorySeenStore())
    assert SECRET not in repr(provider) and SECRET not in repr(provider.__dict__.get("settings"))
    assert json.dumps(repr(provider))
