"""Every service with a form issues its own signed document through the real hub; a consultation nothing.

Anmeldung → Anmeldebestätigung, Abmeldung → Abmeldebestätigung, Bewohnerparkausweis, Führungszeugnis →
Antragsbestätigung: each filled by the clerk, confirmed and signed by the citizen, paid where a fee is due,
issued, downloaded, its signature validated with pyHanko and its text checked for the form's data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from signaling.case_forms import office_today
from tests.signaling.case_support import (
    IDENTITY,
    Call,
    download_certificate,
    pdf_bytes,
    recv,
    send,
    start_call,
    strokes,
)
from tests.signaling.conftest import join, login
from videoschalter.certificates.formatting import german_date
from videoschalter.certificates.from_form import add_months
from videoschalter.certificates.verify import document_hash

EXTRA_SERVICES = """
[[services]]
id = "anmeldung"
name = "Anmeldung einer Wohnung"
department = "buergeramt"
duration_min = 15

[[services]]
id = "abmeldung"
name = "Abmeldung (Wegzug ins Ausland)"
department = "buergeramt"
duration_min = 15

[[services]]
id = "fuehrungszeugnis"
name = "Führungszeugnis beantragen"
department = "buergeramt"
duration_min = 15
fee_cents = 1300

[[services]]
id = "bewohnerparkausweis"
name = "Bewohnerparkausweis"
department = "buergeramt"
duration_min = 15
fee_cents = 3000
"""
TODAY = office_today("Europe/Berlin")  # the server's forms count the office's day
HOME = {"street": "Hauptstraße", "house_number": "5", "postcode": "12345", "town": "Teststadt"}
PARIS = {"street": "Rue de Rivoli", "house_number": "10", "postcode": "75001", "town": "Paris", "country": "FR"}
UPLOAD = "<upload>"  # replaced by the description of a file the citizen uploaded


@dataclass(frozen=True)
class Story:
    service: str
    kind: str  # issued document kind
    values: tuple[tuple[str, Any], ...]  # form_set in this order
    shows: tuple[str, ...]  # in the PDF's text
    hides: tuple[str, ...] = ()  # not in the PDF's text


STORIES = {s.service: s for s in (
    Story("anmeldung", "anmeldebestaetigung", (
        ("birth_place", "Köln"), ("move_in_date", (TODAY - dt.timedelta(days=3)).isoformat()), ("new_address", HOME),
        ("dwelling_type", "hauptwohnung"), ("landlord_confirmation", UPLOAD), ("previous_abroad", False),
        ("previous_address", {**HOME, "street": "Alte Gasse", "town": "Altstadt"}), ("truthful", True)),
        ("Anmeldebestätigung", "§ 24 Abs. 2 BMG", "Mustermann", "Erika", "12.08.1964", "Hauptstraße 5",
         "12345 Teststadt", "alleinige Wohnung", german_date(TODAY - dt.timedelta(days=3)), "gebührenfrei"),
        ("Alte Gasse",)),
    Story("abmeldung", "abmeldebestaetigung", (
        ("move_out_date", TODAY.isoformat()), ("old_address", HOME), ("new_address_abroad", PARIS),
        ("truthful", True)),
        ("Abmeldebestätigung", "Auszugsdatum", german_date(TODAY), "Hauptstraße 5", "Rue de Rivoli 10",
         "75001 Paris", "FRANKREICH")),
    Story("bewohnerparkausweis", "bewohnerparkausweis", (
        ("address", HOME), ("zone", "B"), ("valid_from", (TODAY + dt.timedelta(days=1)).isoformat()),
        ("license_plate", "K-AB 123"), ("holder", "self"), ("registration_certificate", UPLOAD),
        ("truthful", True)),
        ("Bewohnerparkausweis", "K-AB 123", "Zone B – Bahnhofsviertel", "Bahnhofsviertel",
         german_date(add_months(TODAY + dt.timedelta(days=1), 12) - dt.timedelta(days=1)), "30,00 EUR",
         "Erika Mustermann", "Windschutzscheibe")),
    Story("fuehrungszeugnis", "fuehrungszeugnis_antrag", (
        ("birth_place", "Köln"), ("address", HOME), ("certificate_type", "behoerde"),
        ("purpose", "Gaststättenerlaubnis"), ("authority_name", "Landratsamt Musterkreis"),
        ("authority_address", {**HOME, "street": "Kreisstraße", "town": "Kreisstadt"}),
        ("authority_reference", "32-4711"), ("delivery", "authority"), ("truthful", True)),
        ("Antragsbestätigung", "Behördenführungszeugnis", "Art (Belegart O)", "Gaststättenerlaubnis",
         "Landratsamt Musterkreis", "Kreisstraße 5", "32-4711", "Bundesamt für Justiz", "kein Führungszeugnis",
         "13,00 EUR", "12.08.1964, Köln")),
)}


@pytest.fixture
def data_dir(data_dir: Path) -> Path:
    """The test town also offers the other services with a form."""
    config = data_dir / "videoschalter.toml"
    config.write_text(config.read_text("utf-8") + EXTRA_SERVICES, "utf-8")
    return data_dir


async def uploaded(call: Call) -> list[dict[str, Any]]:
    res = await call.client.post("/api/v1/case/documents", data=pdf_bytes("Nachweis"),
                                 headers={**call.citizen_auth, "X-Filename": "nachweis.pdf"})
    assert res.status == 201, await res.text()
    doc = (await res.json())["document"]
    return [{"name": doc["name"], "media_type": doc["mime"], "size": doc["size"], "sha256": doc["sha256"]}]


async def signed_form(call: Call, story: Story) -> None:
    """Service, ID card, form filled by the clerk, confirmed and signed by the citizen."""
    await call.to_server("case_service", service=story.service)
    await recv(call.clerk, "case")
    await call.to_server("case_identity", identity=IDENTITY)
    await recv(call.clerk, "case")
    await call.to_server("form_open", form=story.service)
    form = (await recv(call.clerk, "form"))["form"]
    for field in sorted(form["needs_check"]):
        await call.to_server("form_check", field=field)
        form = (await recv(call.clerk, "form"))["form"]
    for field, value in story.values:
        value = await uploaded(call) if value == UPLOAD else value
        await call.to_server("form_set", field=field, value=value, version=form["version"])
        form = (await recv(call.clerk, "form"))["form"]
    assert [e["field"] for e in form["errors"]] == ["signature"], form["errors"]  # all but the signature
    await send(call.citizen, "form_confirm", version=form["version"])
    citizen_form = (await recv(call.citizen, "form"))["form"]
    while not citizen_form["confirmed"]:
        citizen_form = (await recv(call.citizen, "form"))["form"]
    await call.to_server("sign_request")
    request = await recv(call.citizen, "sign_request")
    body = {"document_hash": request["document_hash"], "strokes": strokes(), "width": 300, "height": 120}
    assert (await call.client.post("/api/v1/case/signature", json=body, headers=call.citizen_auth)).status == 201


async def paid(call: Call) -> None:
    await call.to_server("pay_request")
    payment = await recv(call.citizen, "payment", state="open")
    sandbox = (await call.client.get(payment["pay_url"], allow_redirects=False)).headers["Location"]
    assert (await call.client.post(sandbox, data={"action": "pay"}, allow_redirects=False)).status == 303
    await recv(call.clerk, "payment", state="paid")


@pytest.mark.parametrize("service", STORIES)
async def test_each_service_issues_its_signed_document(client: TestClient, data_dir: Path, service: str) -> None:
    story = STORIES[service]
    call = await start_call(client)
    await signed_form(call, story)
    if story.service in ("bewohnerparkausweis", "fuehrungszeugnis"):
        await call.to_server("issue")
        assert (await recv(call.clerk, "error"))["code"] == "not_paid"
        await paid(call)
    await call.to_server("issue")
    issued = await recv(call.citizen, "issued")
    assert issued["kind"] == story.kind
    document = await recv(call.clerk, "document", kind="certificate")
    assert document["name"].endswith(f"-{issued['document_id']}.pdf")
    pdf, text = await download_certificate(client, call, data_dir)
    for item in (*story.shows, issued["document_id"], issued["verify_url"]):
        assert item in text, item
    for item in story.hides:
        assert item not in text, item
    check = await client.get(f"/verify/{issued['document_id']}", headers={"Accept": "application/json"})
    view = await check.json()
    assert (view["status"], view["kind"], view["sha256"]) == ("valid", story.kind, document_hash(pdf))
    assert view["kind_label"] != story.kind


async def test_a_consultation_has_nothing_to_issue(client: TestClient) -> None:
    joined = await join(client, "Bodo", department="bauamt")
    citizen = await client.ws_connect("/api/v1/ws/citizen")
    await send(citizen, "hello", token=joined["token"])
    await recv(citizen, "welcome")
    clerk = await client.ws_connect("/api/v1/ws/clerk")
    await send(clerk, "hello", token=await login(client, "bernd"))
    await recv(clerk, "welcome")
    ticket_id = joined["ticket"]["id"]
    await send(clerk, "call", ticket_id=ticket_id)
    await recv(clerk, "call_started")
    await send(clerk, "issue", ticket_id=ticket_id)
    error = await recv(clerk, "error")
    assert error["code"] == "not_issuable" and "keine Dienstleistung" in error["message"]
    await send(clerk, "case_service", ticket_id=ticket_id, service="bauberatung")
    await recv(clerk, "case")
    await send(clerk, "issue", ticket_id=ticket_id)
    error = await recv(clerk, "error")
    assert error["code"] == "not_issuable"
    assert error["message"] == "Für „Bauberatung“ wird kein Dokument ausgestellt (kein Formular mit Bescheinigung)."


async def test_a_service_with_a_form_asks_for_the_form_first(client: TestClient) -> None:
    call = await start_call(client)
    await call.to_server("case_service", service="bewohnerparkausweis")
    await recv(call.clerk, "case")
    await call.to_server("issue")
    error = await recv(call.clerk, "error")
    assert error["code"] == "not_issuable" and "zuerst das Formular öffnen" in error["message"]
