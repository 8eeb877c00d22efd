"""The [cases] table of the town's configuration."""

from __future__ import annotations

import pytest

from videoschalter.config import CaseSettings, ConfigError, load_config

DEPT = """
[[departments]]
id = "amt"
name = "Amt"
[departments.hours]
mon = ["08:00-12:00"]
"""


def write(tmp_path, text):
    path = tmp_path / "stadt.toml"
    path.write_text(text, "utf-8")
    return path


def test_defaults():
    cases = load_config().cases
    assert cases == CaseSettings(retention_days=30, max_upload_mb=10, key_file="")
    assert cases.max_upload_bytes == 10 * 1024 * 1024


def test_town_values(tmp_path):
    table = '\n[cases]\nretention_days = 90\nmax_upload_mb = 20\nkey_file = " /etc/vs/case.key "\n'
    path = write(tmp_path, DEPT + table)
    assert load_config(path).cases == CaseSettings(90, 20, "/etc/vs/case.key")


def test_missing_table_uses_defaults(tmp_path):
    assert load_config(write(tmp_path, DEPT)).cases == CaseSettings()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("retention_days = 0", "'retention_days' = 0 ist nicht erlaubt"),
        ("retention_days = 1.5", "'retention_days' muss eine ganze Zahl sein"),
        ("max_upload_mb = 0", "'max_upload_mb' = 0 ist nicht erlaubt"),
        ("max_upload_mb = 500", "'max_upload_mb' = 500 ist nicht erlaubt"),
        ("key_file = 1", "'key_file' muss ein Text sein"),
        ("key = \"abc\"", "unbekannte Einträge \\['key'\\]"),
    ],
)
def test_bad_values_are_named(tmp_path, table, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, DEPT + f"\n[cases]\n{table}\n"))
    assert "[cases]" in str(info.value) and "stadt.toml" in str(info.value)


def test_keyring_as_key_source(tmp_path):
    path = write(tmp_path, DEPT + '\n[cases]\nkey_source = "keyring"\nkeyring_user = " rathaus "\n')
    cases = load_config(path).cases
    assert (cases.key_source, cases.keyring_user, cases.key_file) == ("keyring", "rathaus", "")
    assert load_config(write(tmp_path, DEPT)).cases.key_source == "file"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('key_source = "vault"', "'key_source' muss \"file\" oder \"keyring\" sein"),
        ('key_source = "keyring"\nkey_file = "/etc/vs/case.key"', "schließen sich aus"),
        ('key_source = "keyring"\nkeyring_user = ""', "'keyring_user' muss ein nicht leerer Text sein"),
    ],
)
def test_bad_key_source(tmp_path, table, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, DEPT + f"\n[cases]\n{table}\n"))
