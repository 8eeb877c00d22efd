"""The sandbox's own test page: always "Testmodus", no script, escaped, German and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp import ClientSession, web

from videoschalter.payments.model import PaymentState, new_request
from videoschalter.payments.providers import ProviderError
from videoschalter.payments.sandbox import (
    SANDBOX_CSS,
    SandboxError,
    SandboxProvider,
    deliver_callback,
    load_or_create_secret,
    render_sandbox_page,
    render_sandbox_unknown_page,
)
from videoschalter.payments.service import MemoryPaymentStore, PaymentService
from videoschalter.payments.texts import format_amount, state_label

RETURN = "https://vs.example/w/tok"
NOTIFY = "https://vs.example/api/payments/notify"


async def checkout_of(sandbox: SandboxProvider, purpose: str = "Meldebescheinigung", amount: int = 500):  # type: ignore[no-untyped-def]
    import datetime as dt

    request = new_request("VS-7", "ticket-1", amount, purpose, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    redirect = await sandbox.create(request, RETURN, NOTIFY)
    checkout = sandbox.checkout(redirect.provider_ref)
    assert checkout is not None
    return checkout


def assert_csp_friendly(page: str) -> None:
    lowered = page.lower()
    assert "<script" not in lowered and "javascript:" not in lowered
    assert "<style" not in lowered and " style=" not in lowered
    assert not re.search(r"\son[a-z]+\s*=", lowered), "inline event handler"
    assert " src=" not in lowered
    assert re.findall(r"<link [^>]*href=\"([^\"]*)\"", lowered) == ["/sandbox-pay/_/sandbox.css"]  # own origin
    assert all(a.startswith("/") for a in re.findall(r"action=\"([^\"]*)\"", lowered))  # form-action 'self'


@pytest.mark.parametrize("lang", ["de", "en", "tr"])
async def test_every_page_says_testmodus_and_has_no_inline_script(sandbox: SandboxProvider, lang: str) -> None:
    checkout = await checkout_of(sandbox)
    open_page = render_sandbox_page(checkout, lang)
    sandbox.complete(checkout.provider_ref, "pay")
    done_page = render_sandbox_page(checkout, lang)
    for page in (open_page, done_page, render_sandbox_unknown_page(lang)):
        assert "Testmodus" in page
        assert_csp_friendly(page)


async def test_german_page(sandbox: SandboxProvider) -> None:
    checkout = await checkout_of(sandbox)
    page = render_sandbox_page(checkout, "de")
    assert "TESTMODUS – es wird kein Geld bewegt" in page
    assert '<html lang="de">' in page
    assert "5,00\xa0€" in page and "Meldebescheinigung" in page and "VS-7" in page
    assert f'<form method="post" action="/sandbox-pay/{checkout.provider_ref}"' in page
    assert 'name="action" value="pay">Bezahlen (Testmodus)</button>' in page
    assert 'name="action" value="cancel">Abbrechen</button>' in page


async def test_english_page(sandbox: SandboxProvider) -> None:
    page = render_sandbox_page(await checkout_of(sandbox, amount=123456), "en")
    assert '<html lang="en">' in page
    assert "TEST MODE – no money is moved" in page and "Pay (test mode)" in page and "€1,234.56" in page


async def test_unknown_language_gets_german(sandbox: SandboxProvider) -> None:
    page = render_sandbox_page(await checkout_of(sandbox), "tr")
    assert '<html lang="de">' in page and "Bezahlen (Testmodus)" in page


async def test_purpose_is_escaped(sandbox: SandboxProvider) -> None:
    page = render_sandbox_page(await checkout_of(sandbox, purpose='<script>alert("x")</script>'), "de")
    assert "<script>" not in page and "&lt;script&gt;" in page


async def test_finished_checkout_shows_result_and_way_back(sandbox: SandboxProvider) -> None:
    checkout = await checkout_of(sandbox)
    sandbox.complete(checkout.provider_ref, "cancel")
    page = render_sandbox_page(checkout, "de")
    assert "<form" not in page and "abgebrochen" in page and f'href="{RETURN}"' in page


async def test_sandbox_refuses_changing_its_mind_and_unknown_clicks(sandbox: SandboxProvider) -> None:
    checkout = await checkout_of(sandbox)
    sandbox.complete(checkout.provider_ref, "pay")
    sandbox.complete(checkout.provider_ref, "pay")  # a double click re-sends the same result
    with pytest.raises(SandboxError, match="already ended"):
        sandbox.complete(checkout.provider_ref, "cancel")
    with pytest.raises(SandboxError, match="unknown sandbox checkout"):
        sandbox.complete("sbx_nope", "pay")
    other = await checkout_of(sandbox)
    with pytest.raises(SandboxError, match="unknown action"):
        sandbox.complete(other.provider_ref, "refund")


async def test_sandbox_refuses_script_urls(sandbox: SandboxProvider) -> None:
    import datetime as dt

    request = new_request("VS-7", "t", 500, "x", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ProviderError):
        await sandbox.create(request, "javascript:alert(1)", NOTIFY)


async def test_sandbox_forgets_oldest_checkouts() -> None:
    sandbox = SandboxProvider(max_checkouts=3)
    checkouts = [await checkout_of(sandbox) for _ in range(5)]
    assert sandbox.checkout(checkouts[0].provider_ref) is None
    assert sandbox.checkout(checkouts[4].provider_ref) is not None


async def test_fail_button_reports_failed(sandbox: SandboxProvider, service: PaymentService) -> None:
    request = await service.request_payment("t", 500, "Gebühr")
    redirect = await service.start_checkout(request.id, RETURN, NOTIFY)
    callback = sandbox.complete(redirect.provider_ref, "fail")
    assert (await service.handle_notification(callback.body, callback.content_type, {})).state == PaymentState.FAILED


async def test_callback_over_http_like_a_real_platform(aiohttp_server, clock) -> None:  # type: ignore[no-untyped-def]
    """The sandbox POSTs its signed callback to our notify URL; the handler sees what a platform would send."""
    sandbox = SandboxProvider("http://127.0.0.1", b"s" * 32, clock=clock)
    service = PaymentService(sandbox, MemoryPaymentStore(), now=clock.now)

    async def notify(request: web.Request) -> web.Response:
        paid = await service.handle_notification(await request.read(), request.content_type, request.headers)
        return web.Response(text=paid.state)

    app = web.Application()
    app.router.add_post("/notify", notify)
    server = await aiohttp_server(app)
    payment = await service.request_payment("ticket-1", 1300, "Führungszeugnis")
    redirect = await service.start_checkout(payment.id, RETURN, str(server.make_url("/notify")))
    callback = sandbox.complete(redirect.provider_ref, "pay")
    async with ClientSession() as session:
        assert await deliver_callback(callback, session) == 200
        unreachable = type(callback)(notify_url="http://127.0.0.1:9/notify", body=b"", content_type="x",
                                     headers={}, return_url="")
        with pytest.raises(ProviderError):
            await deliver_callback(unreachable, session, timeout_s=2)
    assert (await service.get(payment.id)).state == PaymentState.PAID  # type: ignore[union-attr]


def test_secret_is_created_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "sandbox-payment.key"
    first = load_or_create_secret(path)
    assert len(first) == 32 and load_or_create_secret(path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("damaged")
    assert load_or_create_secret(path) != first


def test_stylesheet_and_texts() -> None:
    assert "testmode" in SANDBOX_CSS and "url(" not in SANDBOX_CSS  # nothing fetched from elsewhere
    assert format_amount(500, "de") == "5,00\xa0€" and format_amount(7000, "en") == "€70.00"
    assert state_label(PaymentState.PENDING, "de") == "Zahlung läuft"
    assert state_label(PaymentState.PAID, "en") == "paid"
