"""The clerk app's case logic without Qt and without a server: messages in → state, actions → messages out."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_app.case_controller import CaseController
from clerk_app.case_state import CaseState, euro
from hardware.signature_pad import StrokeRecorder


class RecordingTransport:
    """Stands in for the network only: it records what the controller would send and answers REST calls."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.uploads: list[tuple[int, str, bytes, str]] = []
        self.kinds: list[str] = []
        self.signatures: list[tuple[int, dict[str, Any]]] = []
        self.fail_uploads = 0
        self.online = True

    async def send(self, mtype: str, **fields: Any) -> None:
        if not self.online:
            raise ConnectionError("keine Verbindung zum Server")
        self.sent.append({"type": mtype, **fields})

    async def upload_case_document(self, ticket_id: int, name: str, data: bytes, key: str,
                                   kind: str = "shared") -> dict[str, Any]:
        self.uploads.append((ticket_id, name, data, key))
        self.kinds.append(kind)
        if self.fail_uploads:
            self.fail_uploads -= 1
            raise ConnectionError("Server nicht erreichbar (ClientOSError)")
        return {"id": f"d{len(self.uploads)}", "name": name, "mime": "image/png", "size": len(data),
                "from": "clerk", "kind": "shared"}

    async def download_case_document(self, ticket_id: int, document_id: str) -> tuple[bytes, str]:
        raise ConnectionError("Dokument gibt es nicht")

    async def export_case(self, ticket_id: int) -> dict[str, Any]:
        return {"ticket_id": ticket_id}

    async def erase_case(self, ticket_id: int) -> None:
        return None

    async def post_case_signature(self, ticket_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self.signatures.append((ticket_id, body))
        return {"id": 1, "document_hash": body["document_hash"]}


FORM = {"form": "meldebescheinigung", "version": 3, "values": {"surname": "Mustermann"},
        "document_hash": "h3", "confirmed": False, "needs_check": {"surname": "mrz_name", "given_names": "mrz_name"}}


def snapshot(**over: Any) -> dict[str, Any]:
    case = {"id": 1, "ticket_id": 7, "service": "meldebescheinigung", "service_name": "Meldebescheinigung",
            "fee_cents": 500, "identity": None, "form": None, "chat": [], "documents": [], "signatures": [],
            "payments": [], "issued": []}
    return {"type": "case", "ticket_id": 7, "case": {**case, **over}}


@pytest.fixture
def case() -> tuple[CaseController, RecordingTransport]:
    transport = RecordingTransport()
    return CaseController(transport), transport


async def test_opening_a_booked_case_opens_its_form_without_a_click(case) -> None:  # type: ignore[no-untyped-def]
    controller, transport = case
    await controller.open(7)
    assert transport.sent == [{"type": "case_open", "ticket_id": 7}]
    assert await controller.handle(snapshot())
    assert transport.sent[-1] == {"type": "form_open", "ticket_id": 7, "form": "meldebescheinigung"}
    await controller.handle(snapshot())  # a second snapshot (reconnect) does not open it twice
    assert [m["type"] for m in transport.sent].count("form_open") == 1
    assert controller.clerk_actions == 0  # what the app does by itself is no clerk action


async def test_walk_in_without_a_service_opens_no_form(case) -> None:  # type: ignore[no-untyped-def]
    controller, transport = case
    await controller.open(7)
    await controller.handle(snapshot(service=None))
    assert [m["type"] for m in transport.sent] == ["case_open"]
    await controller.open_form("meldebescheinigung")  # the clerk picks the form: its service comes first
    assert transport.sent[-1] == {"type": "case_service", "ticket_id": 7, "service": "meldebescheinigung"}
    await controller.handle(snapshot())  # the server's answer: now with the service, still no form
    assert transport.sent[-1] == {"type": "form_open", "ticket_id": 7, "form": "meldebescheinigung"}
    assert controller.actions == {"form_open": 1}


async def test_messages_of_other_tickets_and_duplicates(case) -> None:  # type: ignore[no-untyped-def]
    controller, _ = case
    await controller.open(7)
    await controller.handle(snapshot(chat=[{"id": 1, "from": "citizen", "name": "E", "text": "Hallo", "at": "t"}]))
    lines: list[dict[str, Any]] = []
    controller.chat_added.connect(lines.append)
    line = {"type": "chat", "ticket_id": 7, "id": 1, "from": "citizen", "name": "E", "text": "Hallo", "at": "t"}
    await controller.handle(line)  # the same line again after a reconnect
    await controller.handle({**line, "ticket_id": 8, "id": 2})  # someone else's case: taken, not shown
    assert controller.state is not None and len(controller.state.chat) == 1
    assert len(lines) == 1
    assert not await controller.handle({"type": "queue", "department": "x", "tickets": []})
    assert not await controller.handle({"type": "error", "code": "x", "message": "m", "ref": "call"})
    errors: list[str] = []
    controller.error.connect(errors.append)
    assert await controller.handle({"type": "error", "code": "stale_version", "message": "veraltet",
                                    "ref": "form_set"})
    assert errors == ["veraltet"]


async def test_the_story_state_and_issue_gate(case) -> None:  # type: ignore[no-untyped-def]
    controller, transport = case
    await controller.open(7)
    await controller.handle(snapshot())
    state = controller.state
    assert state is not None and not state.can_issue
    assert state.missing == ["Kein Formular geöffnet", "Gebühr noch nicht bezahlt"]
    await controller.take_identity({"surname": "MUSTERMANN", "given_names": "ERIKA"})
    assert transport.sent[-1]["identity"]["source"] == "mrz"
    await controller.handle({"type": "form", "ticket_id": 7, "form": FORM})
    assert state.needs_check == {"surname": "mrz_name", "given_names": "mrz_name"}
    await controller.check_all()  # one click for both names
    assert [m["field"] for m in transport.sent if m["type"] == "form_check"] == ["surname", "given_names"]
    await controller.set_field("delivery", "post")
    assert transport.sent[-1] == {"type": "form_set", "ticket_id": 7, "field": "delivery", "value": "post",
                                  "version": 3}
    assert controller.typed_identity_fields == 0
    await controller.set_field("surname", "Müller")
    assert controller.typed_identity_fields == 1

    confirmed = {**FORM, "needs_check": {}, "confirmed": True}
    await controller.handle({"type": "form", "ticket_id": 7, "form": confirmed})
    assert state.can_request_signature and state.missing == ["Unterschrift fehlt", "Gebühr noch nicht bezahlt"]
    await controller.handle({"type": "signature", "ticket_id": 7, "id": 4, "document_hash": "old", "at": "t"})
    assert not state.signed  # a signature of another version does not count
    await controller.handle({"type": "signature", "ticket_id": 7, "id": 5, "document_hash": "h3", "at": "t"})
    assert state.signed
    assert state.can_request_payment
    await controller.handle({"type": "payment", "ticket_id": 7, "id": 9, "state": "open", "amount_cents": 500,
                             "currency": "EUR", "sandbox": True})
    assert not state.can_request_payment and not state.can_issue
    await controller.handle({"type": "payment", "ticket_id": 7, "id": 9, "state": "paid", "amount_cents": 500,
                             "currency": "EUR", "sandbox": True})
    assert len(state.payments) == 1 and state.paid and state.can_issue
    await controller.issue()
    await controller.handle({"type": "issued", "ticket_id": 7, "document_id": "MB-1", "file_id": "f1",
                             "url": "/x", "verify_url": "/verify/MB-1"})
    assert state.certificate is not None and state.certificate["document_id"] == "MB-1" and not state.can_issue
    assert controller.actions == {"identity": 1, "form_check": 1, "form_set": 2, "issue": 1}


async def test_free_service_needs_no_payment() -> None:
    state = CaseState(7)
    state.apply(snapshot(fee_cents=0, form={**FORM, "confirmed": True},
                         signatures=[{"id": 1, "document_hash": "h3"}]))
    assert state.paid_or_free and state.can_issue and not state.can_request_payment


async def test_show_an_image_uploads_it_and_retries_with_the_same_key(case) -> None:  # type: ignore[no-untyped-def]
    controller, transport = case
    await controller.open(7)
    transport.fail_uploads = 1
    document = await controller.show_image("Seite 1.png", b"\x89PNG...")
    assert document is not None and document["id"] == "d2"
    assert transport.uploads[0][3] == transport.uploads[1][3]  # the retry can be recognised as the same upload
    assert transport.kinds == ["snapshot", "snapshot"]  # the citizen sees it only while it is shown
    assert transport.sent[-1] == {"type": "show", "ticket_id": 7, "document_id": "d2"}
    await controller.show(None)
    assert transport.sent[-1] == {"type": "show", "ticket_id": 7, "document_id": None}


async def test_offline_and_rest_errors_become_sentences(case) -> None:  # type: ignore[no-untyped-def]
    controller, transport = case
    await controller.open(7)
    errors: list[str] = []
    controller.error.connect(errors.append)
    transport.online = False
    assert not await controller.send_chat("Hallo")
    assert await controller.download("nope") is None
    assert errors[0].startswith("Keine Verbindung") and "Dokument gibt es nicht" in errors[1]
    assert not await controller.send_chat("x" * 2001)


async def test_counter_signature_is_bound_to_the_requested_version(case) -> None:  # type: ignore[no-untyped-def]
    controller, transport = case
    await controller.open(7)
    await controller.handle(snapshot(form={**FORM, "confirmed": True}))
    await controller.handle({"type": "sign_request", "ticket_id": 7, "document_hash": "h3", "version": 3})
    pad = StrokeRecorder(400, 150)
    pad.begin(10, 10, 1000, 0.2)
    pad.move(20, 15, 1016, 0.6)
    pad.end()
    await controller.sign_at_counter(pad.to_json())
    ticket_id, body = transport.signatures[0]
    assert ticket_id == 7 and body["document_hash"] == "h3"
    assert body["strokes"] == [[[10.0, 10.0, 0, 0.2], [20.0, 15.0, 16, 0.6]]] and body["width"] == 400


async def test_signature_and_fee_are_requested_without_a_click(case) -> None:  # type: ignore[no-untyped-def]
    controller, transport = case
    await controller.open(7)
    await controller.handle(snapshot(form=FORM))
    assert not [m for m in transport.sent if m["type"] in ("sign_request", "pay_request")]
    confirmed = {**FORM, "needs_check": {}, "confirmed": True, "signed": False}
    await controller.handle({"type": "form", "ticket_id": 7, "form": confirmed})
    await controller.handle({"type": "form", "ticket_id": 7, "form": confirmed})  # once, not per message
    assert [m["type"] for m in transport.sent].count("sign_request") == 1
    await controller.handle({"type": "sign_request", "ticket_id": 7, "document_hash": "h3", "version": 3})
    await controller.handle({"type": "signature", "ticket_id": 7, "id": 5, "document_hash": "h3", "at": "t"})
    assert [m["type"] for m in transport.sent].count("pay_request") == 0  # the form still says unsigned
    await controller.handle({"type": "form", "ticket_id": 7, "form": {**confirmed, "signed": True}})
    assert [m["type"] for m in transport.sent].count("pay_request") == 1
    await controller.handle({"type": "payment", "ticket_id": 7, "id": 9, "state": "failed", "amount_cents": 500,
                             "currency": "EUR", "sandbox": True})
    assert [m["type"] for m in transport.sent].count("pay_request") == 1  # a retry is the clerk's decision
    # a changed form (new hash) is confirmed again: its signature is asked for again
    await controller.handle({"type": "form", "ticket_id": 7, "form": {**confirmed, "version": 4,
                                                                         "document_hash": "h4"}})
    assert [m["type"] for m in transport.sent].count("sign_request") == 2
    assert controller.clerk_actions == 0


def test_euro() -> None:
    assert euro(500) == "5,00 €" and euro(123456) == "1.234,56 €" and euro(7) == "0,07 €"
