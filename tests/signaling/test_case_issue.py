"""The whole case: confirmed, signed, paid → signed certificate, checkable; then export and erasure.

The other services' documents: ``test_case_issue_kinds.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from aiohttp.test_utils import TestClient

from signaling import case_store as cs
from signaling.case_retention import run_retention
from signaling.case_services import CASES
from signaling.keys import STORE
from tests.signaling.case_support import (
    Call,
    confirmed_and_asked,
    download_certificate,
    pdf_bytes,
    recv,
    send,
    start_call,
    strokes,
)
from videoschalter.cases.export import export_schema
from videoschalter.certificates.verify import document_hash


async def signed_and_paid(client: TestClient) -> Call:
    call = await start_call(client)
    await call.to_server("case_service", service="meldebescheinigung")
    request = await confirmed_and_asked(call)
    body = {"document_hash": request["document_hash"], "strokes": strokes(), "width": 300, "height": 120}
    assert (await client.post("/api/v1/case/signature", json=body, headers=call.citizen_auth)).status == 201
    await call.to_server("issue")
    assert (await recv(call.clerk, "error"))["code"] == "not_paid"
    await call.to_server("pay_request")
    payment = await recv(call.citizen, "payment", state="open")
    sandbox = (await client.get(payment["pay_url"], allow_redirects=False)).headers["Location"]
    res = await client.post(sandbox, data={"action": "pay"}, allow_redirects=False)
    assert res.status == 303
    await recv(call.clerk, "payment", state="paid")
    await recv(call.clerk, "document", kind="receipt")
    return call


async def test_issue_gives_a_signed_certificate_anyone_can_check(client: TestClient, data_dir: Path) -> None:
    call = await signed_and_paid(client)
    await call.to_server("issue")
    issued = await recv(call.citizen, "issued")
    assert issued["url"].startswith("/api/v1/case/documents/")
    assert issued["verify_url"].endswith(f"/verify/{issued['document_id']}")
    clerk_issued = await recv(call.clerk, "issued")
    assert clerk_issued["document_id"] == issued["document_id"]
    pdf, text = await download_certificate(client, call, data_dir)
    assert "Hauptwohnung" in text and "01.04.2019" in text  # from the form, not made up
    assert (await (await client.get(issued["url"], headers=call.citizen_auth)).read()) == pdf
    # the public check page: JSON and HTML, the hash of exactly this file, no personal data
    check = await client.get(f"/verify/{issued['document_id']}", headers={"Accept": "application/json"})
    view = await check.json()
    assert (check.status, view["status"], view["sha256"]) == (200, "valid", document_hash(pdf))
    page = await client.get(f"/verify/{issued['document_id']}")
    text = await page.text()
    assert page.status == 200 and document_hash(pdf) in text and "Mustermann" not in text
    unknown = await client.get("/verify/VS-2026-0000-0000", headers={"Accept": "application/json"})
    assert unknown.status == 404 and (await unknown.json())["status"] == "unknown"
    # issuing again hands out the same document
    await call.to_server("issue")
    assert (await recv(call.clerk, "issued"))["document_id"] == issued["document_id"]


async def test_export_and_erase(client: TestClient, data_dir: Path) -> None:
    call = await signed_and_paid(client)
    await call.to_server("issue")
    issued = await recv(call.clerk, "issued")
    await client.post("/api/v1/case/documents", data=pdf_bytes(), headers=call.citizen_auth)
    await call.to_server("chat", text="Bitte prüfen Sie Ihre Anschrift.")
    await recv(call.clerk, "chat")
    res = await client.get(f"/api/v1/clerk/cases/{call.ticket_id}/export", headers=call.clerk_auth)
    assert res.status == 200
    export = json.loads(await res.text())
    assert export["format"] == export_schema()["properties"]["format"]["const"]
    assert export["identity"]["surname"] == "MUSTERMANN" and export["form"]["confirmed"]
    assert export["chat"][0]["text"] == "Bitte prüfen Sie Ihre Anschrift."
    assert export["payments"][0]["state"] == "paid" and export["signatures"][0]["matches_form"]
    assert {d["kind"] for d in export["documents"]} == {"signature", "upload", "certificate", "receipt"}
    assert any(e["action"] == "signed" for e in export["audit"])
    assert all("strokes" not in s for s in export["signatures"])
    try:  # the schema is the contract with the registration office's software
        import jsonschema
    except ImportError:
        pass
    else:
        jsonschema.validate(export, export_schema())

    vault = data_dir / "cases"
    assert len(list(vault.iterdir())) == 4
    res = await client.delete(f"/api/v1/clerk/cases/{call.ticket_id}", headers=call.clerk_auth)
    assert res.status == 200 and (await res.json())["files"] == 4
    assert list(vault.iterdir()) == []
    erased = (await recv(call.citizen, "case", timeout=5))
    while not erased["case"]["erased"]:
        erased = await recv(call.citizen, "case")
    assert erased["case"]["identity"] is None and erased["case"]["chat"] == [] and erased["case"]["form"] is None
    assert (await client.get("/api/v1/case/certificate", headers=call.citizen_auth)).status == 404
    check = await client.get(f"/verify/{issued['document_id']}", headers={"Accept": "application/json"})
    assert (await check.json())["status"] == "valid"  # stays verifiable by its hash
    res = await client.get(f"/api/v1/clerk/cases/{call.ticket_id}/export", headers=call.clerk_auth)
    after = json.loads(await res.text())
    assert after["identity"] is None and after["chat"] == [] and after["audit"][-2]["action"] == "erased"
    res = await client.post("/api/v1/case/documents", data=pdf_bytes(), headers=call.citizen_auth)
    assert res.status == 410


async def test_retention_erases_closed_cases_only(client: TestClient, data_dir: Path) -> None:
    call = await start_call(client)
    await client.post("/api/v1/case/documents", data=pdf_bytes(), headers=call.citizen_auth)
    store, services = client.app[STORE], client.app[CASES]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=services.retention_days + 1)
    assert await run_retention(store, services, later) == []  # the call still runs
    await send(call.clerk, "hangup", call_id=call.call_id)
    await recv(call.citizen, "hangup")
    case = await store.run(cs.find_case, call.ticket_id)
    assert case is not None
    assert await run_retention(store, services, dt.datetime.now(dt.UTC)) == []
    assert await run_retention(store, services, later) == [case.id]
    assert list((data_dir / "cases").iterdir()) == []
