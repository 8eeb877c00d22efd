"""The shared form: opened with the ID card's data, edited by the clerk, confirmed and signed by the citizen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp.test_utils import TestClient

from signaling.case_forms import office_today
from tests.signaling.case_support import (
    confirmed_and_asked,
    fill,
    form_where,
    open_form,
    recv,
    send,
    start_call,
    strokes,
)


async def test_form_is_prefilled_from_the_id_and_localized(client: TestClient) -> None:
    call = await start_call(client)
    form = await open_form(call)
    assert form["values"]["surname"] == "Mustermann" and form["values"]["birth_date"] == "1964-08-12"
    assert "surname" in form["needs_check"] and form["version"] >= 1
    citizen = (await recv(call.citizen, "form"))["form"]
    assert "needs_check" not in citizen and citizen["dir"] == "ltr" and citizen["definition"]["lang"] == "de"
    await send(call.citizen, "form_lang", lang="ar")
    arabic = (await recv(call.citizen, "form"))["form"]
    assert arabic["dir"] == "rtl" and arabic["definition"]["lang"] == "ar"
    await send(call.citizen, "form_lang", lang="xx")
    assert (await recv(call.citizen, "error"))["code"] == "unknown_language"


async def test_edits_need_the_current_version_and_confirmation_waits_for_checks(client: TestClient) -> None:
    call = await start_call(client)
    form = await open_form(call)
    await call.to_server("form_set", field="purpose", value="Bank", version=form["version"] - 1)
    assert (await recv(call.clerk, "error"))["code"] == "stale_version"
    await call.to_server("form_set", field="nope", value="x", version=form["version"])
    assert (await recv(call.clerk, "error"))["code"] == "unknown_field"
    await send(call.citizen, "form_confirm", version=form["version"])
    err = await recv(call.citizen, "error")
    assert err["code"] == "not_ready" and "surname" in err["message"]
    form = await fill(call, form)
    await send(call.citizen, "form_confirm", version=form["version"] - 1)
    assert (await recv(call.citizen, "error"))["code"] == "stale_version"


async def test_signature_is_bound_to_the_confirmed_version(client: TestClient) -> None:
    call = await start_call(client)
    request = await confirmed_and_asked(call)
    body = {"document_hash": request["document_hash"], "strokes": strokes(), "width": 300, "height": 120}
    res = await client.post("/api/v1/case/signature", json=body, headers=call.citizen_auth)
    assert res.status == 201, await res.text()
    signature = (await res.json())["signature"]
    image = await recv(call.clerk, "document", kind="signature")  # the picture first, then the signature
    assert image["mime"] == "image/png"
    assert (await recv(call.clerk, "signature"))["id"] == signature["id"]
    form = await form_where(call.clerk, signed=True)
    assert form["confirmed"] and form["errors"] == []


async def test_signature_on_a_changed_form_is_refused(client: TestClient) -> None:
    call = await start_call(client)
    request = await confirmed_and_asked(call)
    await call.to_server("form_set", field="purpose", value="Arbeitgeber", version=request["version"])
    changed = await form_where(call.clerk, version=request["version"] + 1)
    assert not changed["confirmed"]
    body = {"document_hash": request["document_hash"], "strokes": strokes(), "width": 300, "height": 120}
    res = await client.post("/api/v1/case/signature", json=body, headers=call.citizen_auth)
    assert res.status == 409 and (await res.json())["error"] == "document_changed"
    # even with the new hash: not confirmed and not asked for again
    res = await client.post("/api/v1/case/signature", json={**body, "document_hash": changed["document_hash"]},
                            headers=call.citizen_auth)
    assert res.status == 409 and (await res.json())["error"] == "not_requested"


async def test_a_signature_made_before_a_change_becomes_void(client: TestClient) -> None:
    call = await start_call(client)
    request = await confirmed_and_asked(call)
    body = {"document_hash": request["document_hash"], "strokes": strokes(), "width": 300, "height": 120}
    assert (await client.post("/api/v1/case/signature", json=body, headers=call.citizen_auth)).status == 201
    await recv(call.clerk, "signature")
    form = await form_where(call.clerk, signed=True)
    await call.to_server("form_set", field="purpose", value="Wohngeld", version=form["version"])
    form = await form_where(call.clerk, version=form["version"] + 1)
    assert not form["signed"] and "signature" not in form["values"]
    await call.to_server("case_open")
    case = (await recv(call.clerk, "case"))["case"]
    assert [s["void"] for s in case["signatures"]] == [True]
    res = await client.post("/api/v1/case/signature", json=body, headers=call.citizen_auth)
    assert res.status == 409 and (await res.json())["error"] == "document_changed"


async def test_broken_strokes_are_refused(client: TestClient) -> None:
    call = await start_call(client)
    request = await confirmed_and_asked(call)
    body = {"document_hash": request["document_hash"], "strokes": [], "width": 300, "height": 120}
    res = await client.post("/api/v1/case/signature", json=body, headers=call.citizen_auth)
    assert res.status == 422 and (await res.json())["error"] == "invalid_signature"


async def test_citizen_fills_in_what_only_they_know(client: TestClient) -> None:
    call = await start_call(client)
    form = await open_form(call)
    await send(call.citizen, "form_set", field="purpose", value="Für die Bank", version=form["version"])
    mine = await form_where(call.citizen, version=form["version"] + 1)
    assert mine["values"]["purpose"] == "Für die Bank"
    clerk_copy = await form_where(call.clerk, version=form["version"] + 1)
    assert clerk_copy["values"]["purpose"] == "Für die Bank"
    await send(call.citizen, "form_set", field="surname", value="Anders", version=mine["version"])
    assert (await recv(call.citizen, "error"))["code"] == "readonly"
    await send(call.citizen, "form_set", field="purpose", value="x", version=form["version"])
    assert (await recv(call.citizen, "error"))["code"] == "stale_version"


async def test_a_reconnecting_page_gets_the_pending_sign_request(client: TestClient) -> None:
    call = await start_call(client)
    request = await confirmed_and_asked(call)
    asked = {"document_hash": request["document_hash"], "version": request["version"]}
    pages = [call.citizen]

    async def reconnect() -> dict[str, Any]:
        """A new page connection (the old one is closed by the server as 'opened elsewhere')."""
        page = await client.ws_connect("/api/v1/ws/citizen")
        await send(page, "hello", token=call.token)
        pages.append(page)
        return (await recv(page, "case"))["case"]

    assert (await reconnect())["sign_request"] == asked
    body = {"document_hash": request["document_hash"], "strokes": strokes(), "width": 300, "height": 120}
    res = await client.post("/api/v1/case/signature", json=body, headers=call.citizen_auth)
    assert res.status == 201, await res.text()
    assert (await reconnect())["sign_request"] is None  # answered
    # asked again, then the form changes: the request is gone with the version it was for
    await call.to_server("sign_request")
    await recv(pages[-1], "sign_request")
    assert (await reconnect())["sign_request"] == asked
    await call.to_server("form_set", field="purpose", value="Bank", version=request["version"])
    await form_where(call.clerk, version=request["version"] + 1)
    case = await reconnect()
    assert case["sign_request"] is None and case["form"]["version"] == request["version"] + 1
    for page in pages:
        await page.close()


def test_today_is_the_offices_day_not_the_servers() -> None:
    """A server in UTC is still on the 1st at 00:30 in Berlin (summer time): the forms must say the 2nd."""
    late = dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC)
    assert office_today("Europe/Berlin", late) == dt.date(2026, 7, 2)
    assert office_today("UTC", late) == dt.date(2026, 7, 1)
    winter = dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC)
    assert office_today("Europe/Berlin", winter) == dt.date(2027, 1, 1)
