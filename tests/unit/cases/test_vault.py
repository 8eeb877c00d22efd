"""Case files at rest: encrypted, bound to their id, written atomically, key from env, file or demo."""

from __future__ import annotations

import base64
import os
import stat

import pytest

from videoschalter.cases.vault import ENV_KEY, CaseKeyError, Vault, VaultError, load_key, new_key

SECRET = b"Erika Mustermann, geboren 12.08.1983, Hauptstrasse 1"


@pytest.fixture
def vault(tmp_path):
    return Vault(tmp_path / "files", new_key())


def test_roundtrip_and_nothing_readable_on_disk(vault):
    file_id = vault.put(SECRET)
    assert vault.get(file_id) == SECRET
    raw = (vault.folder / file_id).read_bytes()
    assert SECRET not in raw and b"Mustermann" not in raw
    assert len(raw) == 4 + 12 + len(SECRET) + 16  # magic, nonce, ciphertext, tag
    assert vault.ids() == {file_id}
    assert stat.S_IMODE((vault.folder / file_id).stat().st_mode) == 0o600


def test_same_content_twice_gives_different_ids_and_ciphertexts(vault):
    a, b = vault.put(SECRET), vault.put(SECRET)
    assert a != b
    assert (vault.folder / a).read_bytes() != (vault.folder / b).read_bytes()


def test_empty_and_large_files(vault):
    big = os.urandom(3 * 1024 * 1024)
    assert vault.get(vault.put(b"")) == b""
    assert vault.get(vault.put(big)) == big


def test_flipped_bit_is_detected(vault):
    file_id = vault.put(SECRET)
    path = vault.folder / file_id
    raw = bytearray(path.read_bytes())
    raw[30] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(VaultError, match="verändert"):
        vault.get(file_id)


def test_truncated_file_is_detected(vault):
    file_id = vault.put(SECRET)
    path = vault.folder / file_id
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(VaultError):
        vault.get(file_id)


def test_swapped_files_are_detected(vault):
    """Renaming one citizen's file to another's id must not hand out the wrong document."""
    a, b = vault.put(b"Bescheinigung A"), vault.put(b"Bescheinigung B")
    (vault.folder / a).write_bytes((vault.folder / b).read_bytes())
    with pytest.raises(VaultError):
        vault.get(a)
    assert vault.get(b) == b"Bescheinigung B"


def test_wrong_key_is_detected(vault):
    file_id = vault.put(SECRET)
    other = Vault(vault.folder, new_key())
    with pytest.raises(VaultError, match="Schlüssel"):
        other.get(file_id)


def test_unknown_id_raises_file_not_found(vault):
    with pytest.raises(FileNotFoundError):
        vault.get("0" * 32)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "..", "", "/etc/passwd", "A" * 32, "0" * 31, "0" * 32 + "/x",
                                 "0" * 31 + "\x00", None, 123])
def test_bad_ids_are_refused_everywhere(vault, bad):
    for call in (vault.get, vault.delete, vault.exists):
        with pytest.raises(ValueError, match="ungültige Datei-ID"):
            call(bad)


def test_delete_is_idempotent(vault):
    file_id = vault.put(SECRET)
    vault.delete(file_id)
    vault.delete(file_id)
    assert vault.ids() == set()
    assert not vault.exists(file_id)
    with pytest.raises(FileNotFoundError):
        vault.get(file_id)


def test_leftover_temp_files_are_not_ids(vault):
    file_id = vault.put(SECRET)
    (vault.folder / f".{file_id}.abcd.tmp").write_bytes(b"half")
    (vault.folder / "notes.txt").write_text("x")
    assert vault.ids() == {file_id}


def test_key_must_have_32_bytes(tmp_path):
    with pytest.raises(CaseKeyError, match="32 Bytes"):
        Vault(tmp_path, b"short")


# -- keys -----------------------------------------------------------------------------------------------------------

def test_key_from_environment_wins(tmp_path):
    key = new_key()
    key_file = tmp_path / "other.key"
    key_file.write_text(base64.b64encode(new_key()).decode())
    got, where = load_key({ENV_KEY: base64.b64encode(key).decode() + "\n"}, key_file, tmp_path)
    assert got == key
    assert ENV_KEY in where
    assert not (tmp_path / "case.key").exists()


def test_key_from_environment_url_safe_without_padding():
    key = bytes(range(250, 256)) + bytes(26)
    text = base64.urlsafe_b64encode(key).decode().rstrip("=")
    assert load_key({ENV_KEY: text}, None, None)[0] == key


@pytest.mark.parametrize(("value", "message"), [("not base64 at all!", "kein gültiges Base64"),
                                                ("c2hvcnQ=", "hat 5 Bytes")])
def test_bad_environment_key_says_what_is_wrong(value, message):
    with pytest.raises(CaseKeyError, match=message) as info:
        load_key({ENV_KEY: value}, None, None)
    assert ENV_KEY in str(info.value)


def test_key_from_file(tmp_path):
    key = new_key()
    key_file = tmp_path / "stadt.key"
    key_file.write_text(base64.b64encode(key).decode() + "\n")
    key_file.chmod(0o600)
    got, where = load_key({}, key_file, tmp_path / "data")
    assert got == key
    assert str(key_file) in where and "Achtung" not in where
    key_file.chmod(0o644)
    assert "auch für andere lesbar" in load_key({}, key_file, None)[1]


def test_configured_key_file_must_exist(tmp_path):
    with pytest.raises(CaseKeyError, match="nicht gefunden"):
        load_key({}, tmp_path / "fehlt.key", tmp_path)
    assert not (tmp_path / "case.key").exists()  # a typo in the config must not silently start a new key


def test_demo_creates_key_with_mode_0600_and_reuses_it(tmp_path):
    data = tmp_path / "data"
    key, where = load_key({}, None, data)
    path = data / "case.key"
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "neuer Schlüssel" in where and str(path) in where
    again, where_again = load_key({}, None, data)
    assert again == key and "neuer" not in where_again


def test_demo_key_is_created_even_with_a_loose_umask(tmp_path):
    old = os.umask(0o000)
    try:
        load_key({}, None, tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "case.key").stat().st_mode) == 0o600


def test_no_key_anywhere_is_an_error():
    with pytest.raises(CaseKeyError, match=ENV_KEY):
        load_key({}, None, None)


def test_files_survive_a_restart_with_the_same_key(tmp_path):
    key, _ = load_key({}, None, tmp_path)
    file_id = Vault(tmp_path / "files", key).put(SECRET)
    key_again, _ = load_key({}, None, tmp_path)
    assert Vault(tmp_path / "files", key_again).get(file_id) == SECRET


def test_sweep_removes_old_files_without_a_row_and_unfinished_writes(vault):
    import os
    import time

    kept, orphan, young = vault.put(b"recorded"), vault.put(b"crash before its row"), vault.put(b"row on its way")
    leftover = vault.folder / f".{orphan}.abcd1234.tmp"
    leftover.write_bytes(b"half")
    stranger = vault.folder / "README"  # not ours: never touched
    stranger.write_text("x")
    old = time.time() - 7200
    for path in (vault.folder / kept, vault.folder / orphan, leftover, stranger):
        os.utime(path, (old, old))
    removed = vault.sweep({kept, young, None}, min_age_s=3600)
    assert sorted(removed) == sorted([orphan, leftover.name])
    assert vault.ids() == {kept, young} and stranger.exists()
    assert vault.get(kept) == b"recorded"
    assert vault.sweep({kept}, min_age_s=3600) == []  # the young one stays until it is old
