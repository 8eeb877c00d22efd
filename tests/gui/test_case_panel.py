"""The case panel offscreen, fed with the server's message shapes; what goes out is recorded at the transport.

The form snapshots come from the server's own ``signaling.case_forms.view``, so the panel is tested against
the real message shape. The round trip through the real server is in ``test_case_server.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop
from reportlab.pdfgen import canvas

from clerk_app.case_controller import CaseController
from clerk_app.case_panel import CasePanel
from clerk_app.case_viewer import png_bytes
from clerk_app.controller import ClerkController
from clerk_app.main_window import MainWindow
from hardware.camera import LocalVideo
from signaling.case_forms import view
from tests.support.waiting import wait_for
from videoschalter.forms import FormSession, load_forms, prefill

pytestmark = pytest.mark.gui
XSS = '<img src=x onerror="alert(1)"><b>fett</b> & <script>alert(2)</script>'
MRZ = {"surname": "MUSTERMANN", "given_names": "ERIKA", "birth_date": "1983-08-12", "nationality": "D",
       "document_number": "T22000129", "expiry_date": "2031-10-31", "sex": "F"}


def pdf_bytes(pages: int = 2) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    for page in range(pages):
        c.drawString(100, 700, f"Lageplan Seite {page + 1}")
        c.rect(50, 50, 300, 300, fill=1)
        c.showPage()
    c.save()
    return out.getvalue()


def red_png() -> bytes:
    image = QImage(QSize(40, 30), QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    return png_bytes(image)


class RecordingTransport:
    """The network boundary only: records messages and uploads, serves stored files."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.uploads: list[tuple[str, bytes]] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.signatures: list[dict[str, Any]] = []

    async def send(self, mtype: str, **fields: Any) -> None:
        self.sent.append({"type": mtype, **fields})

    async def upload_case_document(self, ticket_id: int, name: str, data: bytes, key: str,
                                   kind: str = "shared") -> dict[str, Any]:
        self.uploads.append((name, data))
        return {"id": f"up{len(self.uploads)}", "name": name, "mime": "image/png", "size": len(data),
                "from": "clerk", "kind": "snapshot"}

    async def download_case_document(self, ticket_id: int, document_id: str) -> tuple[bytes, str]:
        if document_id not in self.files:
            raise ConnectionError("Dokument nicht gefunden")
        return self.files[document_id]

    async def export_case(self, ticket_id: int) -> dict[str, Any]:
        return {"ticket_id": ticket_id, "chat": [{"text": XSS}]}

    async def erase_case(self, ticket_id: int) -> None:
        return None

    async def post_case_signature(self, ticket_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self.signatures.append(body)
        return {"id": "s1", "document_hash": body["document_hash"]}

    def of(self, mtype: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["type"] == mtype]


def run(qapp: QApplication, scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    loop = QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(asyncio.wait_for(scenario(), 30))


async def until(condition: Callable[[], bool], what: str, timeout: float = 5) -> None:
    await wait_for(condition, timeout, what, interval=0.01)


def snapshot(**over: Any) -> dict[str, Any]:
    case = {"id": 1, "ticket_id": 7, "service": "meldebescheinigung", "service_name": "Meldebescheinigung",
            "fee_cents": 500, "identity": None, "form": None, "chat": [], "documents": [], "signatures": [],
            "payments": [], "issued": [], "shown": None}
    return {"type": "case", "ticket_id": 7, "case": {**case, **over}}


def form_message(session: FormSession) -> dict[str, Any]:
    return {"type": "form", "ticket_id": 7, "form": view(session, "clerk", "de", dt.date(2026, 11, 23))}


@pytest.fixture
def panel(qtbot) -> tuple[CasePanel, CaseController, RecordingTransport]:  # type: ignore[no-untyped-def]
    transport = RecordingTransport()
    controller = CaseController(transport, auto_requests=False)  # the buttons; the automatic steps: unit tests
    widget = CasePanel(controller)
    qtbot.addWidget(widget)
    widget.resize(460, 640)
    return widget, controller, transport


def test_chat_shows_html_from_the_citizen_literally(qapp, panel) -> None:  # type: ignore[no-untyped-def]
    widget, controller, transport = panel

    async def scenario() -> None:
        await controller.open(7)
        line = {"id": "c1", "from": "citizen", "name": "<i>Erika</i>", "text": XSS, "at": "2026-11-23T09:15:00+00:00"}
        await controller.handle(snapshot(chat=[line]))
        await controller.handle({"type": "chat", "ticket_id": 7, **{**line, "id": "c2", "text": "noch <u>eins</u>"}})
        text = widget.chat.history.toPlainText()
        assert "<i>Erika</i>: " + XSS in text and "noch <u>eins</u>" in text
        html = widget.chat.history.document().toHtml()
        assert "<img" not in html and "&lt;img" in html and "&lt;script&gt;" in html
        assert widget.chat.history.document().toPlainText().count("\n") == 1  # two lines, nothing injected
        widget.chat.input.setText("  Guten Tag <b>!</b>  ")
        widget.chat.send_button.click()
        await until(lambda: transport.of("chat") != [], "chat sent")
        assert transport.of("chat") == [{"type": "chat", "ticket_id": 7, "text": "Guten Tag <b>!</b>"}]
        assert widget.chat.input.text() == ""

    run(qapp, scenario)


def test_form_story_with_check_sign_pay_issue(qapp, panel) -> None:  # type: ignore[no-untyped-def]
    widget, controller, transport = panel
    form = load_forms()["meldebescheinigung"]
    session = FormSession(form)

    async def scenario() -> None:
        await controller.open(7)
        await controller.handle(snapshot())
        assert transport.of("form_open") == [{"type": "form_open", "ticket_id": 7, "form": "meldebescheinigung"}]
        assert widget.title.text() == "Vorgang: Meldebescheinigung (Ticket 7)"
        assert not widget.issue_button.isEnabled() and "Kein Formular" in widget.issue_state.text()
        assert widget.fee.fee.text() == "5,00 €" and widget.fee.request_button.isEnabled()

        session.apply_prefill(prefill(form, MRZ, dt.date(2026, 11, 23)))
        await controller.handle(form_message(session))
        tab = widget.form
        assert widget.tabs.currentWidget() is tab  # the form comes to the front while the chat is empty
        assert tab.editors["surname"].edit.text() == "Mustermann"
        assert tab.editors["birth_date"].edit.text() == "12.08.1983"
        labels = [tab.row_widgets[f][0].text() for f in ("surname", "current_address", "delivery")]
        assert labels == ["Familienname *", "Anschrift, unter der Sie gemeldet sind *",
                          "Wie möchten Sie die Meldebescheinigung erhalten? *"]
        assert tab.check_buttons["surname"].isVisibleTo(tab) and tab.check_all_button.isEnabled()
        assert not tab.check_buttons["delivery"].isVisibleTo(tab)
        assert "noch zu prüfen" in tab.status.text()

        tab.check_all_button.click()  # one click for all values read from the ID card
        await until(lambda: len(transport.of("form_check")) == len(session.needs_check), "checks sent")
        assert {m["field"] for m in transport.of("form_check")} == set(session.needs_check)
        for field_id in list(session.needs_check):
            session.mark_checked(field_id)

        # the citizen typed the address; the clerk picks the delivery
        session.apply_edit("current_address", {"street": "Hauptstraße", "house_number": "1", "postcode": "50667",
                                               "town": "Köln"}, by="citizen")
        session.apply_edit("moved_in", "2019-04-01", by="citizen")
        session.apply_edit("dwelling", "Hauptwohnung", by="citizen")
        await controller.handle(form_message(session))
        assert tab.editors["current_address"].parts["town"].text() == "Köln"
        assert tab.status.text().endswith("noch 2 Feld(er) offen oder fehlerhaft")  # delivery, truthful
        combo = tab.editors["delivery"].combo
        combo.activated.emit(combo.findData("pickup"))
        await until(lambda: transport.of("form_set") != [], "form_set sent")
        assert transport.of("form_set")[-1] == {"type": "form_set", "ticket_id": 7, "field": "delivery",
                                                "value": "pickup", "version": session.version}
        session.apply_edit("delivery", "pickup")
        session.apply_edit("truthful", True, by="citizen")

        # a typed correction goes out with the version the clerk saw
        edit = tab.editors["purpose"].edit
        edit.setText("Wohngeld")
        edit.setModified(True)
        edit.editingFinished.emit()
        await until(lambda: transport.of("form_set")[-1]["field"] == "purpose", "purpose sent")
        assert transport.of("form_set")[-1]["value"] == "Wohngeld"
        assert controller.typed_identity_fields == 0

        session.confirmed_by_citizen_at, session.confirmed_version = dt.datetime.now(dt.UTC), session.version
        await controller.handle(form_message(session))
        assert "bestätigt" in tab.status.text() and tab.sign_button.isEnabled()
        tab.sign_button.click()
        await until(lambda: transport.of("sign_request") != [], "sign_request")
        assert "Unterschrift fehlt" in widget.issue_state.text()

        session.sign("signature", session.version, "0" * 64, dt.datetime.now(dt.UTC))
        await controller.handle({"type": "signature", "ticket_id": 7, "id": "s1",
                                 "document_hash": session.document_hash, "at": "2026-11-23T09:20:00+00:00"})
        await controller.handle(form_message(session))
        assert widget.issue_state.text() == "Es fehlt: Gebühr noch nicht bezahlt"
        widget.fee.request_button.click()
        await until(lambda: transport.of("pay_request") != [], "pay_request")
        await controller.handle({"type": "payment", "ticket_id": 7, "id": "p1", "state": "pending",
                                 "amount_cents": 500, "currency": "EUR", "sandbox": True})
        assert widget.fee.state.text() == "Zahlung über 5,00 €: wird bezahlt … (Testmodus)"
        assert not widget.fee.request_button.isEnabled() and not widget.issue_button.isEnabled()
        await controller.handle({"type": "payment", "ticket_id": 7, "id": "p1", "state": "paid",
                                 "amount_cents": 500, "currency": "EUR", "sandbox": True})
        assert widget.issue_button.isEnabled() and widget.issue_state.text() == "Bereit zum Ausstellen."

        widget.issue_button.click()
        await until(lambda: transport.of("issue") != [], "issue")
        transport.files["f9"] = (pdf_bytes(1), "application/pdf")
        await controller.handle({"type": "issued", "ticket_id": 7, "document_id": "MB-2026-ABC", "file_id": "f9",
                                 "url": "/api/v1/clerk/cases/7/documents/f9", "verify_url": "/verify/MB-2026-ABC"})
        assert widget.issue_state.text() == "Ausgestellt – Prüfnummer: MB-2026-ABC"
        assert not widget.issue_button.isEnabled() and widget.certificate_button.isVisibleTo(widget)
        viewer = await widget.open_certificate()
        assert viewer is not None and viewer.pdf is not None and viewer.pdf.pages == 1
        viewer.close()
        assert controller.actions == {"form_check": 1, "form_set": 2, "sign_request": 1, "pay_request": 1,
                                      "issue": 1}

    run(qapp, scenario)


def test_documents_open_show_page_and_region(qapp, panel) -> None:  # type: ignore[no-untyped-def]
    widget, controller, transport = panel
    transport.files = {"d1": (pdf_bytes(2), "application/pdf"), "d2": (red_png(), "image/png")}
    docs = [{"id": "d1", "name": "Lageplan.pdf", "mime": "application/pdf", "size": 2048, "from": "citizen",
             "kind": "upload", "at": "t"},
            {"id": "d2", "name": "<b>Foto</b>.png", "mime": "image/png", "size": 100, "from": "citizen",
             "kind": "upload", "at": "t"}]

    async def scenario() -> None:
        await controller.open(7)
        await controller.handle(snapshot(service=None, documents=docs))
        tab = widget.documents
        assert tab.table.rowCount() == 2
        assert [tab.table.item(1, c).text() for c in range(4)] == ["<b>Foto</b>.png", "Bürger/in", "Hochgeladen",
                                                                    "100 B"]
        assert not tab.show_button.isEnabled()
        tab.table.selectRow(1)
        tab.show_button.click()  # an image goes as it is
        await until(lambda: transport.of("show") != [], "show image")
        assert transport.of("show")[-1] == {"type": "show", "ticket_id": 7, "document_id": "d2"}
        await controller.handle({"type": "show", "ticket_id": 7, "document_id": "d2", "url": "/x"})
        assert tab.shown_label.text() == "Wird gezeigt: <b>Foto</b>.png" and tab.unshow_button.isEnabled()
        tab.unshow_button.click()
        await until(lambda: transport.of("show")[-1]["document_id"] is None, "show null")

        tab.table.selectRow(0)
        tab.show_button.click()  # a PDF: its first page rendered to PNG, uploaded, shown
        await until(lambda: len(transport.of("show")) == 3, "show page")
        name, png = transport.uploads[-1]
        assert name == "Lageplan Seite 1.png" and png.startswith(b"\x89PNG")
        page = QImage.fromData(png)
        assert page.width() == 1240 and page.pixelColor(200, 1500) == QColor("black")  # 150 dpi, the filled box
        assert transport.of("show")[-1]["document_id"] == "up1"

        viewer = await tab.open_selected()
        assert viewer is not None and viewer.pdf is not None and viewer.pdf.pages == 2
        viewer.page.setValue(2)
        viewer.show_page_button.click()
        await until(lambda: len(transport.uploads) == 2, "page 2 uploaded")
        assert transport.uploads[-1][0] == "Lageplan Seite 2.png"
        viewer.show_region_button.click()
        await until(lambda: len(transport.uploads) == 3, "region uploaded")
        region = QImage.fromData(transport.uploads[-1][1])
        assert transport.uploads[-1][0] == "Lageplan Ausschnitt.png" and region.width() > 100
        viewer.close()

        transport.files.pop("d1")
        assert await tab.open_selected() is None
        assert "Dokument nicht gefunden" in widget.message.text()

    run(qapp, scenario)


def test_counter_signature_and_export(qapp, panel, tmp_path) -> None:  # type: ignore[no-untyped-def]
    widget, controller, transport = panel
    form = load_forms()["meldebescheinigung"]
    session = FormSession(form, values={"delivery": "post"}, version=4)
    session.confirmed_by_citizen_at, session.confirmed_version = dt.datetime.now(dt.UTC), 4

    async def scenario() -> None:
        await controller.open(7)
        await controller.handle(snapshot(form=view(session, "clerk")))
        assert widget.form.tablet_button.isEnabled()
        await controller.handle({"type": "sign_request", "ticket_id": 7, "document_hash": session.document_hash,
                                 "version": 4})
        widget.form.tablet_button.click()
        dialog = widget.signature_dialog
        assert dialog is not None and dialog.isVisible()
        dialog.pad.recorder.begin(10, 10, 0, 0.3)
        dialog.pad.recorder.move(50, 40, 20, 0.9)
        dialog.pad.recorder.end()
        dialog.accept()
        await until(lambda: transport.signatures != [], "signature posted")
        body = transport.signatures[0]
        assert body["document_hash"] == session.document_hash and body["width"] == 600
        assert body["strokes"] == [[[10.0, 10.0, 0, 0.3], [50.0, 40.0, 20, 0.9]]]

        path = await widget.export(tmp_path / "vorgang.json")
        assert path is not None and json.loads(path.read_text("utf-8"))["chat"][0]["text"] == XSS

    run(qapp, scenario)


def test_main_window_with_the_case_fits_1280x800(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = ClerkController("http://127.0.0.1:9", local_video=LocalVideo(use_camera=False), read_ids=False)
    window = MainWindow(controller)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 800, hint
    assert window.case_panel.isVisible() and window.case_panel.width() >= 380
    assert window.remote.width() >= 400
    assert window.case_panel.tabs.tabText(2) == "Formular"
    assert window.case_panel.issue_button.text() == "Bescheinigung ausstellen"
    assert not window.case_panel.issue_button.isEnabled()
    assert window.case_panel.tabs.isEnabled() is False  # no case before a call
    QApplication.processEvents()
    assert window.case_panel.issue_button.isVisible()
    assert window.case_panel.issue_button.testAttribute(Qt.WidgetAttribute.WA_WState_Visible)
