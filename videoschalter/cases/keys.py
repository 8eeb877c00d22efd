"""Where the key for the case files comes from: environment, key file, demo file, or the OS keyring.

``[cases] key_source = "file"`` (the default) is ``vault.load_key``: ``VIDEOSCHALTER_CASE_KEY``, then
``[cases] key_file``, then the demo's ``data/case.key``. ``key_source = "keyring"`` keeps the key in
the operating system's keyring instead (Windows Credential Locker, macOS Keychain, the Secret
Service of a Linux desktop) under the service ``videoschalter`` and ``[cases] keyring_user``; the
first start creates it there. Either way the key never lives in the repository or the data folder.

A keyring that silently drops what it is given (keyring's "null" backend) would lose every document
at the next start, so a new key is read back before it is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from videoschalter.cases.vault import ENV_KEY, CaseKeyError, decode_key, encode_key, load_key, new_key

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "videoschalter"
DEFAULT_USER = "case-files"
KEY_SOURCES = ("file", "keyring")

NO_BACKEND = (
    "Kein Schlüsselbund des Betriebssystems verfügbar ({why}). Auf Linux-Servern ohne Desktop gibt es "
    "meist keinen: bitte [cases] key_file (oder die Umgebungsvariable {env}) verwenden und key_source "
    "entfernen. / No OS keyring is available ({why}). Headless Linux servers usually have none: use "
    "[cases] key_file (or the environment variable {env}) and remove key_source."
)


class KeyringUnavailable(CaseKeyError):
    """No usable OS keyring: the operator has to choose the key file instead."""


def case_key(env: Mapping[str, str], data_dir: Path | None, *, key_source: str = "file",
             key_file: Path | None = None, keyring_user: str = DEFAULT_USER,
             backend: KeyringBackend | None = None) -> tuple[bytes, str]:
    """The key and a German sentence for the start-up log, from the configured source.

    ``backend`` is the keyring to use (``keyring.get_keyring()`` when None); tests pass their own.
    """
    if key_source == "file":
        return load_key(env, key_file, data_dir)
    if key_source != "keyring":
        raise CaseKeyError(f"[cases] key_source = {key_source!r}: erlaubt sind {', '.join(KEY_SOURCES)}")
    if env.get(ENV_KEY, "").strip() or key_file is not None:
        raise CaseKeyError(
            f"[cases] key_source = \"keyring\", aber es ist auch {ENV_KEY} oder [cases] key_file gesetzt: "
            "bitte nur eine Quelle für den Schlüssel der Falldateien angeben."
        )
    return keyring_key(keyring_user, backend)


def keyring_key(user: str, backend: KeyringBackend | None = None) -> tuple[bytes, str]:
    """Read the key from the OS keyring; create, store and verify one when the entry is absent."""
    from keyring.errors import KeyringError, NoKeyringError

    if backend is None:
        import keyring

        backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    where = f"Schlüsselbund, Dienst „{SERVICE}“, Benutzer „{user}“"
    try:
        text = backend.get_password(SERVICE, user)
        if text is not None:
            return decode_key(text, where), (
                f"Schlüssel für die Falldateien aus dem Schlüsselbund des Betriebssystems "
                f"(Dienst „{SERVICE}“, Benutzer „{user}“, {name})."
            )
        key = new_key()
        backend.set_password(SERVICE, user, encode_key(key))
        stored = backend.get_password(SERVICE, user)
    except NoKeyringError as exc:
        raise KeyringUnavailable(NO_BACKEND.format(why=exc, env=ENV_KEY)) from None
    except KeyringError as exc:  # locked, refused, D-Bus gone …: say which and stop, never guess a key
        raise CaseKeyError(f"{where}: nicht nutzbar ({type(exc).__name__}: {exc}) / keyring not usable") from None
    if stored is None or decode_key(stored, where) != key:
        raise KeyringUnavailable(NO_BACKEND.format(why=f"{name} behält keine Einträge / keeps no entries",
                                                   env=ENV_KEY))
    return key, (
        f"Neuer Schlüssel für die Falldateien erzeugt und im Schlüsselbund des Betriebssystems abgelegt "
        f"(Dienst „{SERVICE}“, Benutzer „{user}“, {name}). Ohne diesen Eintrag sind die gespeicherten "
        "Dokumente verloren: bitte sichern."
    )
