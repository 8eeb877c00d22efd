"""The signaling message format."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videoschalter import protocol


def test_valid_messages_parse() -> None:
    msg = protocol.parse('{"v":1,"type":"offer","call_id":3,"sdp":"v=0"}', protocol.CITIZEN_MESSAGES)
    assert msg["call_id"] == 3
    msg = protocol.parse('{"v":1,"type":"ice","call_id":3,"candidate":null}', protocol.CITIZEN_MESSAGES)
    assert msg["candidate"] is None
    msg = protocol.parse('{"v":1,"type":"hangup","call_id":3}', protocol.CLERK_MESSAGES)
    assert "reason" not in msg


def test_roles_have_their_own_messages() -> None:
    with pytest.raises(protocol.ProtocolError) as info:
        protocol.parse('{"v":1,"type":"call","ticket_id":1}', protocol.CITIZEN_MESSAGES)
    assert info.value.code == "unknown_type"
    protocol.parse('{"v":1,"type":"call","ticket_id":1}', protocol.CLERK_MESSAGES)


def test_too_large_is_refused_before_parsing() -> None:
    with pytest.raises(protocol.ProtocolError) as info:
        protocol.parse("x" * (protocol.MAX_MESSAGE_BYTES + 1), protocol.CITIZEN_MESSAGES)
    assert info.value.code == "too_large"


def test_encode_round_trip() -> None:
    text = protocol.encode("position", position=2, waiting=5)
    assert json.loads(text) == {"v": 1, "type": "position", "position": 2, "waiting": 5}
    err = json.loads(protocol.error("x", "Fehler ä", "offer"))
    assert err == {"v": 1, "type": "error", "code": "x", "message": "Fehler ä", "ref": "offer"}


@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_input_never_crashes(raw: str | bytes) -> None:
    try:
        protocol.parse(raw, protocol.CLERK_MESSAGES)
    except protocol.ProtocolError as exc:
        assert exc.code and exc.message


@given(st.dictionaries(st.sampled_from(["v", "type", "call_id", "sdp", "token", "candidate", "x"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                                     st.integers(), max_size=2))))
def test_arbitrary_objects_are_either_valid_or_refused(obj: dict) -> None:  # type: ignore[type-arg]
    try:
        msg = protocol.parse(json.dumps(obj), protocol.CITIZEN_MESSAGES)
    except protocol.ProtocolError:
        return
    schema = protocol.CITIZEN_MESSAGES[msg["type"]]
    assert set(msg) <= set(schema) | {"v", "type"}
