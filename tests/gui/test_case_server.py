"""The clerk window's case panel against the real server (subprocess), with a scripted citizen.

The citizen here speaks the WebSocket and REST routes directly (no browser: the browser's side of the case
has its own tests); the clerk is the real window under qasync, driven by its buttons.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop
from reportlab.pdfgen import canvas

from clerk_app.controller import ClerkController
from clerk_app.main_window import MainWindow
from hardware.camera import LocalVideo
from tests.support.server import CLERK_PASSWORD, ServerProcess
from tests.support.waiting import wait_for
from videoschalter import protocol

pytestmark = [pytest.mark.gui, pytest.mark.e2e]
XSS = '<img src=x onerror="alert(1)"><b>fett</b>'
MRZ = {"type": "TD1", "document_code": "ID", "document_number": "T22000129", "issuing_state": "D",
       "nationality": "D", "surname": "MUSTERMANN", "given_names": "ERIKA", "birth_date": "1983-08-12",
       "expiry_date": "2031-10-31", "sex": "F", "optional_data_1": "", "optional_data_2": "", "mrz": []}


class Citizen:
    """A citizen's page reduced to its protocol: a ticket, the WebSocket, the case's REST routes."""

    def __init__(self, server: ServerProcess, http: aiohttp.ClientSession):
        self.server, self.http = server, http
        self.messages: list[dict[str, Any]] = []
        self.token = ""
        self.ticket_id = 0
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def join(self, name: str) -> None:
        async with self.http.post(f"{self.server.url}/api/v1/tickets",
                                  json={"department": "buergeramt", "name": name}) as res:
            body = await res.json()
        self.token, self.ticket_id = body["token"], body["ticket"]["id"]
        self.ws = await self.http.ws_connect(self.server.url.replace("http", "ws") + "/api/v1/ws/citizen")
        await self.send("hello", token=self.token)
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for raw in self.ws:
            if raw.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(raw.data))

    async def send(self, mtype: str, **fields: Any) -> None:
        assert self.ws is not None
        await self.ws.send_str(protocol.encode(mtype, **fields))

    def last(self, mtype: str) -> dict[str, Any] | None:
        return next((m for m in reversed(self.messages) if m.get("type") == mtype), None)

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        async with self.http.post(f"{self.server.url}{path}", headers=headers, **kwargs) as res:
            return res.status, await res.json(content_type=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


@asynccontextmanager
async def clerk_window(server: ServerProcess, qtbot: Any,
                       read_ids: bool = True) -> AsyncIterator[tuple[ClerkController, MainWindow]]:
    """The real clerk window, logged in; ``read_ids=False`` leaves the MRZ worker process off."""
    controller = ClerkController(server.url, ice_hosts=["127.0.0.1"], local_video=LocalVideo(use_camera=False),
                                 read_ids=read_ids)
    await controller.login("anna", CLERK_PASSWORD)
    window = MainWindow(controller)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    controller.start()
    try:
        yield controller, window
    finally:
        await controller.close()
        window.close()


def run(qapp: QApplication, scenario: Callable[[], Any]) -> None:
    qapp.setQuitOnLastWindowClosed(False)
    loop = QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(asyncio.wait_for(scenario(), 120))


async def call_in(controller: ClerkController, window: MainWindow, citizen: Citizen) -> None:
    await wait_for(lambda: window.queue_model.rowCount() == 1, what="queue row")
    window.queue_view.selectRow(0)
    window.call_button.click()
    state = lambda: controller.case.state  # noqa: E731
    await wait_for(lambda: state() is not None and state().loaded, what="case snapshot in the app")  # type: ignore[union-attr]


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(100, 700, "Lageplan")
    c.rect(50, 50, 300, 300, fill=1)
    c.save()
    return out.getvalue()


def test_the_meldebescheinigung_story_through_the_window(server, qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with aiohttp.ClientSession() as http, clerk_window(server, qtbot) as (controller, window):
            citizen = Citizen(server, http)
            await citizen.join("Erika Mustermann")
            try:
                await story(controller, window, citizen)
            finally:
                await citizen.close()

    run(qapp, scenario)


async def fill_form(controller: ClerkController, window: MainWindow, citizen: Citizen) -> None:
    """Form and identity through the window, the citizen's own fields from the citizen."""
    panel, case = window.case_panel, controller.case
    state = case.state
    assert state is not None

    # a walk-in: the clerk picks the form (one click), its service and fee come with it
    form_tab = panel.form
    form_tab.picker.setCurrentIndex(form_tab.picker.findData("meldebescheinigung"))
    form_tab.open_button.click()
    await wait_for(lambda: state.form is not None, what="form opened")
    assert state.fee_cents == 500 and panel.fee.fee.text() == "5,00 €"
    assert (citizen.last("form") or {}).get("form", {}).get("form") == "meldebescheinigung"

    # "Übernehmen" on the MRZ read: the identity fills the case and the form, nothing typed
    assert controller.id_check is not None
    controller.id_check.result = dict(MRZ)
    window.id_panel.show_result(MRZ, False)
    window.id_panel.accept_button.click()
    await wait_for(lambda: (state.form or {}).get("values", {}).get("surname") == "Mustermann",
                   what="identity prefilled the form")
    assert form_tab.editors["surname"].edit.text() == "Mustermann"
    assert state.identity is not None and state.identity["source"] == "mrz"
    assert form_tab.check_all_button.isEnabled()
    form_tab.check_all_button.click()
    await wait_for(lambda: not state.needs_check, what="all checked")

    # the citizen fills in what only they know (citizen form_set, docs/case.md); the clerk sees it live
    values = {"current_address": {"street": "Hauptstraße", "house_number": "1", "postcode": "50667", "town": "Köln"},
              "moved_in": "2019-04-01", "dwelling": "Hauptwohnung", "delivery": "download", "truthful": True}
    for field_id, value in values.items():
        await citizen.send("form_set", field=field_id, value=value, version=state.form["version"])
        await wait_for(lambda f=field_id, v=value: (state.form or {}).get("values", {}).get(f) == v,
                       what=f"{field_id} from the citizen")
    assert form_tab.editors["current_address"].parts["town"].text() == "Köln"


async def story(controller: ClerkController, window: MainWindow, citizen: Citizen) -> None:
    panel, case = window.case_panel, controller.case
    await call_in(controller, window, citizen)
    state = case.state
    assert state is not None and state.ticket_id == citizen.ticket_id
    assert panel.tabs.isEnabled() and not panel.issue_button.isEnabled()

    # chat both ways; the citizen's HTML stays text in the window
    await citizen.send("chat", text=XSS)
    await wait_for(lambda: XSS in panel.chat.history.toPlainText(), what="citizen's chat line")
    assert "&lt;img" in panel.chat.history.document().toHtml()
    panel.chat.input.setText("Guten Tag!")
    panel.chat.send_button.click()
    await wait_for(lambda: (citizen.last("chat") or {}).get("text") == "Guten Tag!", what="clerk's chat at citizen")

    await fill_form(controller, window, citizen)
    assert case.typed_identity_fields == 0
    form_tab = panel.form

    # the citizen confirms the version they see; the clerk sees it live
    await citizen.send("form_confirm", version=state.form_version)
    await wait_for(lambda: state.form_confirmed, what="confirmation in the app")
    assert "bestätigt" in form_tab.status.text()
    # the app asks for the signature by itself once the citizen confirmed (no click)
    await wait_for(lambda: citizen.last("sign_request") is not None, what="sign request at citizen")
    request = citizen.last("sign_request")
    assert request is not None
    strokes = [[[10, 10, 0, 0.5], [60, 40, 30, 0.7], [120, 20, 60, 0.6]]]
    status, body = await citizen.post("/api/v1/case/signature", json={
        "document_hash": request["document_hash"], "strokes": strokes, "width": 300, "height": 150})
    assert status == 201, body
    await wait_for(lambda: state.signed, what="signature in the app")

    # the fee: requested by the app once signed, the citizen pays in the sandbox, the app sees "bezahlt"
    await wait_for(lambda: (citizen.last("payment") or {}).get("pay_url") is not None, what="pay_url")
    pay_url = citizen.last("payment")["pay_url"]  # type: ignore[index]
    # as the browser does: the pay link leads (303) to the provider's page, where the citizen presses "Bezahlen"
    async with citizen.http.get(citizen.server.url + pay_url if pay_url.startswith("/") else pay_url) as res:
        assert res.status == 200 and "Testmodus" in await res.text()
        provider_page = res.url
    async with citizen.http.post(provider_page, data={"action": "pay", "lang": "de"}) as res:
        assert res.status == 200, await res.text()
    await wait_for(lambda: state.paid, what="paid in the app")
    assert "bezahlt" in panel.fee.state.text() and "Testmodus" in panel.fee.state.text()

    # the prominent button, then the signed PDF in the app's viewer
    await wait_for(panel.issue_button.isEnabled, what="issue enabled")
    panel.issue_button.click()
    await wait_for(lambda: state.certificate is not None, timeout=60, what="certificate issued")
    certificate = state.certificate
    assert certificate is not None and certificate["document_id"] in panel.issue_state.text()
    viewer = await panel.open_certificate()
    assert viewer is not None and viewer.pdf is not None and viewer.pdf.pages >= 1
    assert viewer.data.startswith(b"%PDF-")
    viewer.close()
    async with citizen.http.get(f"{citizen.server.url}/verify/{certificate['document_id']}",
                                headers={"Accept": "application/json"}) as res:
        assert res.status == 200 and (await res.json())["status"] == "valid"

    assert not panel.fee.request_button.isEnabled()
    # the clerk actions of this story: calling in, the form for a walk-in, "Übernehmen", "Alle geprüft",
    # issue (+ one chat line, not part of the story); the citizen filled in their own fields
    assert case.actions == {"call": 1, "chat": 1, "form_open": 1, "identity": 1, "form_check": 1, "issue": 1}
    assert case.typed_identity_fields == 0
    await controller.hang_up()
    assert case.actions["hangup"] == 1


def test_documents_show_export_erase(server, qapp, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with aiohttp.ClientSession() as http, clerk_window(server, qtbot) as (controller, window):
            citizen = Citizen(server, http)
            await citizen.join("Bauherr <b>X</b>")
            try:
                await documents(controller, window, citizen, tmp_path)
            finally:
                await citizen.close()

    run(qapp, scenario)


async def documents(controller: ClerkController, window: MainWindow, citizen: Citizen, tmp_path: Path) -> None:
    panel, case = window.case_panel, controller.case
    await call_in(controller, window, citizen)
    state = case.state
    assert state is not None
    status, body = await citizen.post("/api/v1/case/documents", data=pdf_bytes(),
                                      headers={"X-Filename": "Lageplan.pdf"})
    assert status == 201, body
    tab = panel.documents
    await wait_for(lambda: tab.table.rowCount() == 1, what="upload listed")
    assert tab.table.item(0, 0).text() == "Lageplan.pdf" and tab.table.item(0, 1).text() == "Bürger/in"
    tab.table.selectRow(0)
    tab.show_button.click()  # page 1 rendered, uploaded as a snapshot, shown to the citizen
    await wait_for(lambda: (citizen.last("show") or {}).get("document_id") is not None, what="show at citizen")
    shown = citizen.last("show")
    assert shown is not None and shown["url"]
    async with citizen.http.get(citizen.server.url + shown["url"],
                                headers={"Authorization": f"Bearer {citizen.token}"}) as res:
        assert res.status == 200 and (await res.read()).startswith(b"\x89PNG")
    await wait_for(lambda: "Wird gezeigt" in tab.shown_label.text(), what="shown in the app")
    tab.unshow_button.click()
    await wait_for(lambda: citizen.last("show") is not None and citizen.last("show")["document_id"] is None,  # type: ignore[index]
                   what="show cleared")

    sent = tmp_path / "Merkblatt.pdf"
    sent.write_bytes(pdf_bytes())
    document = await tab.send_path(sent)
    assert document is not None and document["name"] == "Merkblatt.pdf"
    await wait_for(lambda: any(m.get("type") == "document" and m.get("name") == "Merkblatt.pdf"
                               for m in citizen.messages), what="file at citizen")

    tab.table.selectRow(0)
    viewer = await tab.open_selected()
    assert viewer is not None
    viewer.close()

    exported = await panel.export(tmp_path / "export.json")
    assert exported is not None
    data = json.loads(exported.read_text("utf-8"))
    assert "Lageplan.pdf" in json.dumps(data, ensure_ascii=False)
    assert await case.erase()
    await wait_for(lambda: "gelöscht" in panel.message.text(), what="erase confirmed")


def test_signature_at_the_counter_tablet(server, qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with aiohttp.ClientSession() as http, clerk_window(server, qtbot) as (controller, window):
            citizen = Citizen(server, http)
            await citizen.join("Erika Mustermann")
            try:
                await counter_signature(controller, window, citizen)
            finally:
                await citizen.close()

    run(qapp, scenario)


async def counter_signature(controller: ClerkController, window: MainWindow, citizen: Citizen) -> None:
    panel, case = window.case_panel, controller.case
    await call_in(controller, window, citizen)
    await fill_form(controller, window, citizen)
    state = case.state
    assert state is not None
    await citizen.send("form_confirm", version=state.form_version)
    await wait_for(lambda: state.sign_request is not None, what="signature requested")
    panel.form.tablet_button.click()
    dialog = panel.signature_dialog
    assert dialog is not None
    recorder = dialog.pad.recorder
    recorder.begin(20, 120, 0, 0.3)
    for i in range(1, 20):
        recorder.move(20 + 25 * i, 120 - (i % 5) * 12, 15 * i, 0.3 + i / 40)
    recorder.end()
    dialog.accept()
    await wait_for(lambda: state.signed or "Unterschrift nicht gespeichert" in panel.message.text(),
                   what="signature stored or refused")
    assert state.signed, panel.message.text()
