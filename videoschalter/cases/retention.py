"""What retention and erasure delete, and what an erased case still keeps.

Deleting is the server's job (rows, vault files); this module only decides. An erased
case keeps no personal data – no name, identity, form values, chat text, file names or
file contents – but it keeps what the office needs to account for the visit (ids,
service, times, fee and payment states) and the hashes of the issued documents, so
``/verify/<id>`` still answers for a certificate the citizen has handed on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from videoschalter.cases.model import event_detail

_VAULT_ID = re.compile(r"[0-9a-f]{32}")  # as videoschalter.cases.vault writes them
# audit detail keys that never hold personal data; everything else is dropped on erasure
SAFE_DETAIL_KEYS = frozenset({
    "document_id", "payment_id", "signature_id", "kind", "mime", "size", "version", "form", "form_version",
    "service", "state", "amount_cents", "currency", "code", "lang", "count", "reason",
})


def due_for_deletion(cases: Iterable[tuple[int, dt.datetime | None]], now: dt.datetime,
                     retention_days: int) -> list[int]:
    """Ids of closed cases whose retention has run out, in the order given; open cases (``None``) never.

    A case closed exactly ``retention_days`` ago is due. Times must all carry a time zone
    (or all be naive), as elsewhere in the project: mixing them raises ``TypeError``.
    """
    if isinstance(retention_days, bool) or not isinstance(retention_days, int) or retention_days < 0:
        raise ValueError(f"retention_days must be a whole number ≥ 0, not {retention_days!r}")
    cutoff = now - dt.timedelta(days=retention_days)
    return [case_id for case_id, closed_at in cases if closed_at is not None and closed_at <= cutoff]


def vault_files(snapshot: Mapping[str, Any]) -> set[str]:
    """Every vault file id the case refers to (documents, signature images, issued PDFs): all go on erasure."""
    ids: set[str] = set()
    for key in ("documents", "signatures", "issued"):
        for item in snapshot.get(key) or ():
            for field in ("file_id", "png_file_id"):
                value = item.get(field) if isinstance(item, Mapping) else None
                if isinstance(value, str) and _VAULT_ID.fullmatch(value):
                    ids.add(value)
    return ids


def erase_personal(snapshot: Mapping[str, Any], at: dt.datetime | None = None) -> dict[str, Any]:
    """The case as it stays after erasure (DSGVO Art. 17) or when its retention ran out."""
    form = snapshot.get("form") or None
    return {
        "id": snapshot.get("id"),
        "ticket_id": snapshot.get("ticket_id"),
        "department": snapshot.get("department"),
        "service": snapshot.get("service"),
        "service_name": snapshot.get("service_name"),
        "fee_cents": snapshot.get("fee_cents"),
        "created_at": _iso(snapshot.get("created_at")),
        "closed_at": _iso(snapshot.get("closed_at")),
        "erased": True,
        "erased_at": _iso(at) if at is not None else _iso(snapshot.get("erased_at")),
        "identity": None,
        "form": {"form": form.get("form"), "version": form.get("version")} if isinstance(form, Mapping) else None,
        "chat": [{"id": m.get("id"), "from": m.get("from"), "at": _iso(m.get("at"))}
                 for m in snapshot.get("chat") or ()],
        "documents": [{"id": d.get("id"), "kind": d.get("kind"), "at": _iso(d.get("at"))}
                      for d in snapshot.get("documents") or ()],
        "signatures": [{"id": s.get("id"), "at": _iso(s.get("at") or s.get("signed_at"))}
                       for s in snapshot.get("signatures") or ()],
        "payments": [_payment(p) for p in snapshot.get("payments") or ()],
        "issued": [_issued(i) for i in snapshot.get("issued") or ()],
    }


def erase_events(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The audit log after erasure: who did what and when stays, personal details go."""
    return [
        {
            "at": _iso(e.get("at")),
            "actor": e.get("actor"),
            "action": e.get("action"),
            "detail": {k: v for k, v in event_detail(e.get("detail")).items() if k in SAFE_DETAIL_KEYS},
        }
        for e in events
    ]


def _payment(p: Mapping[str, Any]) -> dict[str, Any]:
    """The town's books need amount, state and dates; the purpose text may name the person and goes."""
    return {
        "id": p.get("id"),
        "state": p.get("state"),
        "amount_cents": p.get("amount_cents"),
        "currency": p.get("currency"),
        "created_at": _iso(p.get("created_at")),
        "paid_at": _iso(p.get("paid_at")),
    }


def _issued(i: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "document_id": i.get("document_id"),
        "kind": i.get("kind"),
        "sha256": i.get("sha256"),
        "issued_at": _iso(i.get("issued_at")),
        "revoked_at": _iso(i.get("revoked_at")),
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value
