"""``issue``: the signed Meldebescheinigung of a case, recorded for ``/verify/<id>``.

Only when the form is confirmed and signed and the fee is paid (or there is none). Rendering
and signing are blocking (reportlab, pyHanko with its own event loop) and run in a thread.
Issuing twice hands out the first document again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from signaling import case_store as cs
from signaling.case_forms import signed
from signaling.case_store import CaseRow
from signaling.storage import utcnow
from videoschalter.certificates.models import CertificateData, Dwelling, Office
from videoschalter.certificates.registry import IssuedDocument, new_document_id
from videoschalter.certificates.render import LayoutError, render_certificate
from videoschalter.certificates.signing import OfficeSigner, sign_pdf
from videoschalter.certificates.verify import document_hash
from videoschalter.forms.countries import nationality_label
from videoschalter.payments import PaymentState

if TYPE_CHECKING:
    from signaling.case_hub import CaseHub
    from signaling.hub import Conn
    from signaling.storage import Clerk

ISSUABLE_FORMS = ("meldebescheinigung",)


async def issue(ch: CaseHub, conn: Conn, clerk: Clerk, case: CaseRow) -> None:
    session = await ch.session(case)
    if session is None or session.form.id not in ISSUABLE_FORMS:
        await ch.error(conn, "not_issuable", "Ausstellen gibt es für die Meldebescheinigung", "issue")
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
    try:
        data = certificate_data(session.values, case.identity or {}, doc_id,
                                f"{ch.services.public_base_url}/verify/{doc_id}", now, fee,
                                paid.id if paid else "", clerk.display_name)
        pdf = await asyncio.to_thread(render_and_sign, data, ch.services.office, ch.services.signer)
    except (LayoutError, ValueError, KeyError, TypeError) as exc:
        await ch.error(conn, "issue_failed", f"Die Bescheinigung ließ sich nicht erstellen: {exc}", "issue")
        return
    document, _ = await ch.add_document(case, pdf, f"Meldebescheinigung-{doc_id}.pdf", "application/pdf", "system",
                                        "certificate", clerk.id)
    await ch.store.run(cs.record_issued, case.id, IssuedDocument(doc_id, document_hash(pdf), now), document["id"],
                       clerk.id)
    rows = [r for r in await ch.store.run(cs.issued_of, case.id) if r["id"] == doc_id]
    await announce(ch, case, rows[0])


async def announce(ch: CaseHub, case: CaseRow, row: dict[str, Any]) -> None:
    await ch.to_citizen(case.ticket_id, "issued", **ch.issued_public(row, "citizen", case.ticket_id))
    await ch.to_clerks(case.ticket_id, "issued", **ch.issued_public(row, "clerk", case.ticket_id))


def render_and_sign(data: CertificateData, office: Office, signer: OfficeSigner) -> bytes:
    return sign_pdf(render_certificate(data, office), signer)


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


def certificate_data(values: dict[str, Any], identity: dict[str, Any], doc_id: str, url: str, now: dt.datetime,
                     fee_cents: int, payment_reference: str, clerk_name: str) -> CertificateData:
    """The Meldebescheinigung's rows from the confirmed form and the ID card.

    The form has no move-in date or kind of dwelling (the Melderegister holds them); until the
    register is connected, ``moved_in``/``dwelling`` come from the form if a town adds such
    fields, else the day of issue and "alleinige Wohnung".
    """
    address = values["current_address"]
    code = identity.get("nationality")
    nationality = (nationality_label(code, "de") or code) if isinstance(code, str) and code else None
    moved_in = values.get("moved_in")
    return CertificateData(
        document_id=doc_id, verification_url=url, family_name=values["surname"], given_names=values["given_names"],
        birth_date=dt.date.fromisoformat(str(values["birth_date"])),
        nationalities=(nationality,) if nationality else (),
        street=address.get("street", ""), house_number=address.get("house_number", ""),
        address_suffix=address.get("addition") or "", postal_code=address.get("postcode", ""),
        city=address.get("town", ""),
        moved_in=dt.date.fromisoformat(moved_in) if isinstance(moved_in, str) else now.date(),
        dwelling=Dwelling(values["dwelling"]) if values.get("dwelling") in set(Dwelling) else Dwelling.ONLY,
        issued_at=now, fee_cents=fee_cents, payment_reference=payment_reference, clerk=clerk_name)
