"""Case files at rest: every file AES-256-GCM encrypted, one file per document.

A stolen backup of the data folder shows random bytes. The file id is bound into the
associated data, so swapping two files on disk (the certificate of one citizen for
another's) fails authentication instead of handing out the wrong document. Writes go
to a temporary file that is fsynced and renamed: a crash leaves the old state or the
new one, never half a file. The key never lives in the repository (``load_key``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENV_KEY = "VIDEOSCHALTER_CASE_KEY"
KEY_FILE_NAME = "case.key"
KEY_BYTES = 32
_MAGIC = b"VSV1"  # format version: a later format can be read side by side
_NONCE = 12
_AAD_PREFIX = b"videoschalter-case-file-v1:"
_ID = re.compile(r"[0-9a-f]{32}")


class VaultError(Exception):
    """A stored file cannot be trusted: it was changed, truncated, or the key is not the one it was written with."""


class CaseKeyError(ValueError):
    """The key for the case files is missing or unusable; the message tells the operator what to fix."""


class Vault:
    """Encrypted files in one folder; ids are random, so they reveal nothing and cannot be guessed."""

    def __init__(self, folder: Path, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise CaseKeyError(f"Der Schlüssel für die Falldateien muss {KEY_BYTES} Bytes lang sein, nicht {len(key)}")
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._aead = AESGCM(key)

    def put(self, data: bytes) -> str:
        """Encrypt and store; returns the new file id once the file is durably on disk."""
        file_id = secrets.token_hex(16)
        nonce = os.urandom(_NONCE)
        blob = _MAGIC + nonce + self._aead.encrypt(nonce, data, _AAD_PREFIX + file_id.encode())
        target = self._path(file_id)
        tmp = self.folder / f".{file_id}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._sync_folder()
        return file_id

    def get(self, file_id: str) -> bytes:
        """The plaintext; ``FileNotFoundError`` if unknown, ``VaultError`` if it does not authenticate."""
        blob = self._path(file_id).read_bytes()
        if len(blob) < len(_MAGIC) + _NONCE + 16 or not blob.startswith(_MAGIC):
            raise VaultError(f"Falldatei {file_id} ist beschädigt (kein gültiger Kopf)")
        nonce = blob[len(_MAGIC) : len(_MAGIC) + _NONCE]
        try:
            return self._aead.decrypt(nonce, blob[len(_MAGIC) + _NONCE :], _AAD_PREFIX + file_id.encode())
        except InvalidTag:
            raise VaultError(
                f"Falldatei {file_id} lässt sich nicht entschlüsseln: verändert, vertauscht oder falscher Schlüssel"
            ) from None

    def delete(self, file_id: str) -> None:
        """Remove a file; deleting one that is already gone is fine (retention may run twice)."""
        self._path(file_id).unlink(missing_ok=True)
        self._sync_folder()

    def ids(self) -> set[str]:
        """All stored file ids (temporary files of unfinished writes are not ids)."""
        return {p.name for p in self.folder.iterdir() if _ID.fullmatch(p.name) and p.is_file()}

    def sweep(self, keep: set[str], min_age_s: float, now: float | None = None) -> list[str]:
        """Delete files no row names (``keep``) and unfinished writes, if older than ``min_age_s``.

        A crash between ``put`` and the row that records it leaves such a file: unreachable, but
        personal data that retention would never delete. Young files are left alone, so a ``put``
        whose row is still on its way is never touched. Returns the names removed.
        """
        now = time.time() if now is None else now
        removed = []
        for path in self.folder.iterdir():
            orphan = _ID.fullmatch(path.name) and path.name not in keep
            unfinished = path.name.startswith(".") and path.name.endswith(".tmp")
            with contextlib.suppress(FileNotFoundError):
                if (orphan or unfinished) and path.is_file() and now - path.stat().st_mtime > min_age_s:
                    path.unlink()
                    removed.append(path.name)
        if removed:
            self._sync_folder()
        return removed

    def exists(self, file_id: str) -> bool:
        return self._path(file_id).is_file()

    def _path(self, file_id: str) -> Path:
        if not isinstance(file_id, str) or not _ID.fullmatch(file_id):
            raise ValueError(f"ungültige Datei-ID {file_id!r}")
        return self.folder / file_id

    def _sync_folder(self) -> None:
        """Make the rename itself durable (POSIX); not possible on Windows, where it is skipped."""
        if os.name != "posix":
            return
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def decode_key(text: str, where: str) -> bytes:
    """Base64 (standard or URL-safe alphabet) of exactly 32 bytes, else a sentence naming ``where``."""
    cleaned = "".join(text.split())
    cleaned += "=" * (-len(cleaned) % 4)  # tolerate keys pasted without their padding
    try:
        key = base64.b64decode(cleaned.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise CaseKeyError(
            f"{where}: kein gültiges Base64. Einen neuen Schlüssel erzeugt: "
            "python -c \"import base64,os; print(base64.b64encode(os.urandom(32)).decode())\""
        ) from None
    if len(key) != KEY_BYTES:
        raise CaseKeyError(
            f"{where}: der Schlüssel hat {len(key)} Bytes, nötig sind genau {KEY_BYTES} (Base64, 44 Zeichen)"
        )
    return key


def load_key(env: Mapping[str, str], key_file: Path | None, create_in: Path | None) -> tuple[bytes, str]:
    """The key and a German sentence for the start-up log saying where it came from.

    Order: the environment variable, then the configured key file (which must exist), then –
    for the demo only – ``create_in/case.key``, created with mode 0600 when missing.
    """
    if env.get(ENV_KEY, "").strip():
        return decode_key(env[ENV_KEY], f"Umgebungsvariable {ENV_KEY}"), (
            f"Schlüssel für die Falldateien aus der Umgebungsvariable {ENV_KEY}."
        )
    if key_file is not None:
        return _read_key_file(Path(key_file), f"cases.key_file = {key_file}"), (
            f"Schlüssel für die Falldateien aus {key_file} (cases.key_file){_loose_note(Path(key_file))}."
        )
    if create_in is None:
        raise CaseKeyError(
            f"Kein Schlüssel für die Falldateien: bitte {ENV_KEY} setzen (Base64 von 32 Bytes) "
            "oder in der Konfiguration [cases] key_file eintragen."
        )
    path = Path(create_in) / KEY_FILE_NAME
    Path(create_in).mkdir(mode=0o700, parents=True, exist_ok=True)
    key = new_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path, str(path)), (
            f"Demo: Schlüssel für die Falldateien aus {path}{_loose_note(path)}. "
            f"Für den Betrieb {ENV_KEY} setzen oder [cases] key_file eintragen."
        )
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(encode_key(key) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)  # the umask can only narrow the mode, but be explicit
    return key, (
        f"Demo: neuer Schlüssel für die Falldateien erzeugt in {path} (nur für diesen Benutzer lesbar). "
        f"Ohne diese Datei sind die gespeicherten Dokumente verloren; für den Betrieb {ENV_KEY} setzen "
        "oder [cases] key_file eintragen."
    )


def _read_key_file(path: Path, where: str) -> bytes:
    try:
        text = path.read_text("ascii")
    except FileNotFoundError:
        raise CaseKeyError(f"{where}: Datei nicht gefunden") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseKeyError(f"{where}: nicht lesbar ({exc})") from None
    return decode_key(text, where)


def _loose_note(path: Path) -> str:
    """Warn (do not refuse: container secrets are often mounted 0444) when others may read the key."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return ""
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f" – Achtung: die Datei ist auch für andere lesbar (Rechte {stat.filemode(mode)}), besser 0600"
    return ""
