"""The case file key from the OS keyring (``[cases] key_source = "keyring"``), through keyring's own API.

The keyring here is a real ``KeyringBackend`` that keeps its entries in memory, installed with
``keyring.set_keyring`` as an operator's backend would be; keyring's "fail" and "null" backends stand for
a server without a keyring and for one that silently drops what it is given.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from videoschalter.cases.keys import DEFAULT_USER, SERVICE, KeyringUnavailable, case_key, keyring_key
from videoschalter.cases.vault import ENV_KEY, CaseKeyError, Vault, encode_key, new_key


class MemoryKeyring(KeyringBackend):
    """A keyring backend whose entries live in a dict (what a desktop's Secret Service does on disk)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.writes = 0

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writes += 1
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


@pytest.fixture
def installed() -> Iterator[MemoryKeyring]:
    """``keyring.set_keyring`` for the test, the previous backend afterwards."""
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_first_use_creates_the_key_in_the_keyring_then_reads_it(installed: MemoryKeyring, tmp_path: Path) -> None:
    key, sentence = case_key({}, tmp_path, key_source="keyring")
    assert len(key) == 32 and "erzeugt" in sentence and "sichern" in sentence
    assert base64.b64decode(installed.entries[(SERVICE, DEFAULT_USER)]) == key
    again, sentence = case_key({}, tmp_path, key_source="keyring")
    assert again == key and "aus dem Schlüsselbund" in sentence and installed.writes == 1
    assert not list(tmp_path.iterdir())  # nothing about the key in the data folder
    # what one start stored, the next start reads back
    file_id = Vault(tmp_path / "cases", key).put(b"Mietvertrag")
    assert Vault(tmp_path / "cases", case_key({}, tmp_path, key_source="keyring")[0]).get(file_id) == b"Mietvertrag"


def test_an_existing_entry_is_used_under_the_configured_user(installed: MemoryKeyring) -> None:
    key = new_key()
    installed.set_password(SERVICE, "rathaus-musterstadt", encode_key(key))
    got, sentence = case_key({}, None, key_source="keyring", keyring_user="rathaus-musterstadt")
    assert got == key and "rathaus-musterstadt" in sentence
    assert (SERVICE, DEFAULT_USER) not in installed.entries


def test_a_damaged_entry_is_reported_and_never_replaced(installed: MemoryKeyring) -> None:
    installed.set_password(SERVICE, DEFAULT_USER, "kein base64!")
    with pytest.raises(CaseKeyError, match=r"Schlüsselbund.*kein gültiges Base64"):
        case_key({}, None, key_source="keyring")
    assert installed.entries[(SERVICE, DEFAULT_USER)] == "kein base64!"  # a new key would lose every document


def test_no_keyring_says_so_in_german_and_english_and_names_key_file() -> None:
    with pytest.raises(KeyringUnavailable) as info:
        keyring_key(DEFAULT_USER, fail.Keyring())
    text = str(info.value)
    assert "Kein Schlüsselbund" in text and "No OS keyring is available" in text
    assert "key_file" in text and ENV_KEY in text and "No recommended backend" in text


def test_no_keyring_through_keyring_set_keyring(tmp_path: Path) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(KeyringUnavailable, match="Headless Linux servers usually have none"):
            case_key({}, tmp_path, key_source="keyring")
    finally:
        keyring.set_keyring(before)


def test_a_keyring_that_keeps_nothing_is_refused() -> None:
    with pytest.raises(KeyringUnavailable, match="behält keine Einträge"):
        keyring_key(DEFAULT_USER, null.Keyring())


def test_a_locked_keyring_is_an_error_not_a_new_key() -> None:
    backend = LockedKeyring()
    with pytest.raises(CaseKeyError, match="KeyringLocked") as info:
        keyring_key(DEFAULT_USER, backend)
    assert not isinstance(info.value, KeyringUnavailable) and backend.writes == 0


def test_one_source_only(installed: MemoryKeyring, tmp_path: Path) -> None:
    with pytest.raises(CaseKeyError, match="nur eine Quelle"):
        case_key({ENV_KEY: encode_key(new_key())}, tmp_path, key_source="keyring")
    with pytest.raises(CaseKeyError, match="nur eine Quelle"):
        case_key({}, tmp_path, key_source="keyring", key_file=tmp_path / "case.key")
    with pytest.raises(CaseKeyError, match="erlaubt sind file, keyring"):
        case_key({}, tmp_path, key_source="vault")
    assert installed.entries == {}


def test_the_default_source_is_unchanged(installed: MemoryKeyring, tmp_path: Path) -> None:
    key = new_key()
    assert case_key({ENV_KEY: encode_key(key)}, tmp_path)[0] == key
    demo, sentence = case_key({}, tmp_path)
    assert "Demo" in sentence and (tmp_path / "case.key").exists() and installed.entries == {}
    assert demo != key
