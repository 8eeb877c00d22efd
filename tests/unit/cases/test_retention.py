"""Retention deletes closed cases after N days; an erased case keeps no personal data but stays verifiable."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from videoschalter.cases.retention import due_for_deletion, erase_events, erase_personal, vault_files

from .test_export import CERT, MRZ, events, full_snapshot

NOW = dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC)


def test_only_closed_cases_past_retention_are_due():
    cases = [
        (1, None),  # open: never
        (2, NOW - dt.timedelta(days=30)),  # exactly 30 days: due
        (3, NOW - dt.timedelta(days=29, hours=23)),  # not yet
        (4, NOW - dt.timedelta(days=400)),
        (5, NOW + dt.timedelta(days=1)),  # closed "in the future" (clock skew): not due
    ]
    assert due_for_deletion(cases, NOW, 30) == [2, 4]
    assert due_for_deletion(iter(cases), NOW, 0) == [2, 3, 4]
    assert due_for_deletion([], NOW, 30) == []


def test_time_zones_are_compared_as_instants():
    berlin = dt.timezone(dt.timedelta(hours=1))
    closed = (NOW - dt.timedelta(days=30)).astimezone(berlin)
    assert due_for_deletion([(9, closed)], NOW, 30) == [9]


@pytest.mark.parametrize("bad", [-1, 1.5, True, "30"])
def test_retention_days_must_be_a_whole_number(bad):
    with pytest.raises(ValueError):
        due_for_deletion([(1, NOW)], NOW, bad)


def test_erased_case_keeps_nothing_personal():
    snapshot = full_snapshot()
    erased = erase_personal(snapshot, at=NOW)
    text = json.dumps(erased)
    for personal in ("MUSTERMANN", "Mustermann", "ERIKA", "T22000129", "1964", "Wohnungsgeber", "Hallo",
                     "Frau Schmidt", "Bürgerin", snapshot["documents"][0]["sha256"], snapshot["form"]["document_hash"]):
        assert personal not in text, personal
    assert erased["identity"] is None
    assert erased["erased"] is True and erased["erased_at"] == NOW.isoformat()
    assert erased["form"] == {"form": "meldebescheinigung", "version": snapshot["form"]["version"]}
    assert [m["from"] for m in erased["chat"]] == ["citizen", "clerk"]
    assert erased["documents"][0] == {"id": "d1", "kind": "upload", "at": snapshot["documents"][0]["at"].isoformat()}


def test_erased_case_keeps_what_the_office_must_account_for():
    snapshot = full_snapshot()
    erased = erase_personal(snapshot, at=NOW)
    assert (erased["id"], erased["ticket_id"], erased["service"], erased["fee_cents"]) == (7, "B-012",
                                                                                            "meldebescheinigung", 500)
    assert erased["created_at"] == snapshot["created_at"].isoformat()
    assert erased["payments"] == [{"id": "p1", "state": "paid", "amount_cents": 500, "currency": "EUR",
                                   "created_at": snapshot["payments"][0]["created_at"].isoformat(),
                                   "paid_at": snapshot["payments"][0]["paid_at"].isoformat()}]
    issued = erased["issued"][0]
    import hashlib

    assert issued["sha256"] == hashlib.sha256(CERT).hexdigest()  # /verify keeps working
    assert issued["document_id"] == "7K3M9QXR" and issued["kind"] == "meldebescheinigung"


def test_erasing_twice_changes_nothing_more():
    once = erase_personal(full_snapshot(), at=NOW)
    assert erase_personal(once) == once


def test_vault_files_of_a_case():
    assert vault_files(full_snapshot()) == {"a" * 32, "b" * 32, "c" * 32}
    assert vault_files({}) == set()


def test_erased_events_keep_who_what_when_only():
    erased = erase_events(events())
    assert [(e["actor"], e["action"]) for e in erased] == [("clerk:3", "case_created"), ("clerk:3", "identity_set"),
                                                          ("citizen", "document_added")]
    assert erased[1]["detail"] == {}  # surname dropped, "source" is not a safe key either
    assert erased[2]["detail"] == {"document_id": "d1"}
    assert "MUSTERMANN" not in json.dumps(erased)
    assert MRZ["surname"] == "MUSTERMANN"
