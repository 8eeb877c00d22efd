"""Glue between a case and its ``FormSession``: stored state, views per side, confirm-then-sign.

The order the citizen goes through is: read, **confirm** the version, **sign** it. The form
definitions end with a required signature field, so ``FormSession.confirm`` would refuse a
form that is not yet signed; :func:`confirm_read` therefore checks everything except the
signature fields. Signing afterwards does not change the version (signature fields are not
part of the document hash), so the signed hash is exactly the confirmed one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from videoschalter.forms import FieldType, FormDefinition, FormSession, NotReady, StaleVersion, localized
from videoschalter.forms.document import normalize
from videoschalter.forms.languages import LANGUAGES, direction

FORM_LANGUAGES = tuple(LANGUAGES)


def state_of(session: FormSession) -> dict[str, Any]:
    """What is stored in ``cases.form``: enough to rebuild the session after a restart."""
    return {
        "form": session.form.id,
        "values": {k: n for k, v in session.values.items() if (n := normalize(v)) is not None},
        "version": session.version,
        "confirmed_at": session.confirmed_by_citizen_at.isoformat() if session.confirmed_by_citizen_at else None,
        "confirmed_version": session.confirmed_version,
        "needs_check": dict(session.needs_check),
    }


def session_from(forms: dict[str, FormDefinition], state: dict[str, Any] | None) -> FormSession | None:
    if not state or state.get("form") not in forms:
        return None
    confirmed_at = state.get("confirmed_at")
    return FormSession(
        forms[state["form"]], values=dict(state.get("values") or {}), version=int(state.get("version", 0)),
        confirmed_by_citizen_at=dt.datetime.fromisoformat(confirmed_at) if confirmed_at else None,
        confirmed_version=state.get("confirmed_version"), needs_check=dict(state.get("needs_check") or {}))


def signature_field(form: FormDefinition) -> str | None:
    return next((f.id for f in form.fields if f.type is FieldType.SIGNATURE), None)


def blocking(session: FormSession, today: dt.date, lang: str = "de") -> tuple[list[Any], list[str]]:
    """Errors (other than a missing signature) and unchecked prefilled fields that block confirming."""
    errors = [e for e in session.errors(today, lang) if session.form.field(e.field).type is not FieldType.SIGNATURE]
    return errors, sorted(session.needs_check)


def office_time(timezone: str, at: dt.datetime | None = None) -> dt.datetime:
    """``at`` (default: now) in the office's zone; printed dates and times must be the town's, not UTC's."""
    return (at or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone))


def office_today(timezone: str, at: dt.datetime | None = None) -> dt.date:
    """The date at the office: "not in the future" and "from today" mean the town's day, not the server's
    (a server in UTC is still on yesterday between midnight and 1 or 2 o'clock in Germany)."""
    return office_time(timezone, at).date()


def confirm_read(session: FormSession, version: int, at: dt.datetime, lang: str = "de",
                 today: dt.date | None = None) -> str:
    """The citizen confirms exactly ``version``; returns the hash they will sign.

    Raises ``StaleVersion`` when the clerk changed the form meanwhile, ``NotReady`` when fields
    are wrong or the clerk has not yet checked the values read from the ID card.
    """
    if version != session.version:
        raise StaleVersion(version, session.version)
    errors, unchecked = blocking(session, today or at.date(), lang)
    if errors or unchecked:
        raise NotReady(errors, unchecked)
    session.confirmed_by_citizen_at = at
    session.confirmed_version = version
    return session.document_hash


def signed(session: FormSession) -> bool:
    """The current version carries a signature bound to its hash (the form validates completely)."""
    field = signature_field(session.form)
    value = session.values.get(field) if field else None
    return isinstance(value, dict) and value.get("document_hash") == session.document_hash


def view(session: FormSession, role: str, lang: str = "de", today: dt.date | None = None) -> dict[str, Any]:
    """The ``form`` message payload: the session snapshot, the localized definition and the open errors."""
    lang = lang if lang in FORM_LANGUAGES else "de"
    today = today or dt.date.today()
    snap = session.snapshot("clerk" if role == "clerk" else "citizen")
    snap["definition"] = localized(session.form, lang)
    snap["lang"] = lang
    snap["dir"] = direction(lang)
    snap["errors"] = [e.to_json() for e in session.errors(today, lang)]
    snap["signed"] = signed(session)
    return snap


def prefill_source(identity: dict[str, Any]) -> dict[str, Any]:
    """The MRZ fields of a ``case_identity`` as ``forms.prefill`` reads them (``source`` is ours, not the MRZ's)."""
    return {k: v for k, v in identity.items() if k != "source"}
