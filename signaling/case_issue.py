"""``issue``: the signed document of a case's form, recorded for ``/verify/<id>``.

Every form issues its own document (``videoschalter.certificates.kinds``): the Meldebescheinigung,
an Anmelde- or Abmeldebestätigung, the Bewohnerparkausweis, the Antragsbestätigung for a
Führungszeugnis. Only when the form is confirmed and signed and the fee is paid (or there is none).
Rendering and signing are blocking (reportlab, pyHanko with its own event loop) and run in a thread.
Issuing twice hands out the first document again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from signaling import case_store as cs
from signaling.case_forms import office_time, signed
from signaling.case_store import CaseRow
from signaling.storage import utcnow
from videoschalter.certificates.from_form import document_data
from videoschalter.certificates.issuing import render_and_sign
from videoschalter.certificates.kinds import kind_for_form
from videoschalter.certificates.models import CertificateData, Dwelling, IssueInfo, Office
from videoschalter.certificates.page import LayoutError
from videoschalter.certificates.registry import IssuedDocument, new_document_id
from videoschalter.certificates.signing import OfficeSigner
from videoschalter.certificates.verify import document_hash
from videoschalter.payments import PaymentState

if TYPE_CHECKING:
    from signaling.case_hub import CaseHub
    from signaling.hub import Conn
    from signaling.storage import Clerk


async def issue(ch: CaseHub, conn: Conn, clerk: Clerk, case: CaseRow) -> None:
    session = await ch.session(case)
    kind = kind_for_form(session.form.id) if session is not None else None
    if session is None or kind is None:
        await ch.error(conn, "not_issuable", not_issuable_message(ch, case, session is not None), "issue")
        return
    if not session.confirmed or not signed(session):
        await ch.error(conn, "not_signed", "Das Formular ist noch nicht bestätigt und unterschrieben", "issue")
        return
    service = ch.services.config.service(case.service) if case.service else None
    fee = service.fee_cents if service else 0
    payments = await ch.store.run(cs.payments_of, case.id)
    paid = next((p for p in payments if p.state == PaymentState.PAID and p.amount_cents == fee), None)
    if fee > 0 and paid is None:
        await ch.error(conn, "not_paid", "Die Gebühr ist noch nicht bezahlt", "issue")
        return
    for row in await ch.store.run(cs.issued_of, case.id):
        if row["revoked_at"] is None:  # issued already: the same document again
            await announce(ch, case, row)
            return
    now = utcnow()
    doc_id = new_document_id(now.year)
    issued_at = office_time(ch.services.config.timezone, now)
    info = IssueInfo(doc_id, f"{ch.services.public_base_url}/verify/{doc_id}", issued_at, fee,
                     paid.id if paid else "", clerk.display_name)
    try:
        data = document_data(session.form, session.values, case.identity or {}, info)
        pdf = await asyncio.to_thread(render_and_sign, data, ch.services.office, ch.services.signer)
    except (LayoutError, ValueError, KeyError, TypeError) as exc:
        await ch.error(conn, "issue_failed", f"{kind.title} ließ sich nicht erstellen: {exc}", "issue")
        return
    document, _ = await ch.add_document(case, pdf, f"{kind.file_stem}-{doc_id}.pdf", "application/pdf", "system",
                                        "certificate", clerk.id)
    await ch.store.run(cs.record_issued, case.id, IssuedDocument(doc_id, document_hash(pdf), now, kind=kind.kind),
                       document["id"], clerk.id)
    rows = [r for r in await ch.store.run(cs.issued_of, case.id) if r["id"] == doc_id]
    await announce(ch, case, rows[0])


def not_issuable_message(ch: CaseHub, case: CaseRow, has_form: bool) -> str:
    """Why nothing can be issued, in the clerk's words: a consultation has no document, a form may be missing."""
    service = ch.services.config.service(case.service) if case.service else None
    if service is None:
        return "Für diesen Vorgang ist noch keine Dienstleistung gewählt; ohne Formular gibt es nichts auszustellen."
    if has_form or not any(service.id in form.services and kind_for_form(form.id)
                           for form in ch.services.forms.values()):
        return f"Für „{service.name}“ wird kein Dokument ausgestellt (kein Formular mit Bescheinigung)."
    return f"Für „{service.name}“ bitte zuerst das Formular öffnen, ausfüllen und unterschreiben lassen."



async def announce(ch: CaseHub, case: CaseRow, row: dict[str, Any]) -> None:
    await ch.to_citizen(case.ticket_id, "issued", **ch.issued_public(row, "citizen", case.ticket_id))
    await ch.to_clerks(case.ticket_id, "issued", **ch.issued_public(row, "clerk", case.ticket_id))


def warm_up(office: Office, signer: OfficeSigner) -> None:
    """Render and sign one throw-away certificate at start (thread), so the first citizen does not wait.

    The first certificate of a process costs several times a later one: fonts are registered, reportlab's
    and pyHanko's lazy parts load. Nothing is stored.
    """
    now = dt.datetime.now(dt.UTC)
    render_and_sign(CertificateData(
        document_id="VS-0000-0000-0000", verification_url="https://example.invalid/verify/", family_name="Probe",
        given_names="Probe", birth_date=dt.date(2000, 1, 1), nationalities=("deutsch",), street="Probeweg",
        house_number="1", postal_code="00000", city="Probe", moved_in=dt.date(2000, 1, 1), dwelling=Dwelling.ONLY,
        issued_at=now), office, signer)
