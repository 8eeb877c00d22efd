"""What the town keeps about each issued document so anyone can check it later – and nothing more.

Only id, hash, kind and dates: the check page must not reveal personal data, so the
registry never holds them. Storage is the server's business; this is the interface.
"""

from __future__ import annotations

import abc
import datetime as dt
import secrets
from dataclasses import dataclass

KINDS = ("meldebescheinigung", "zahlungsbeleg", "anmeldebestaetigung", "abmeldebestaetigung", "bewohnerparkausweis",
         "fuehrungszeugnis_antrag")  # the issued ones are listed with their forms in ``kinds.py``
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U – nothing to misread


@dataclass(frozen=True)
class IssuedDocument:
    """One issued PDF as recorded at issue time."""

    id: str
    sha256: str  # hex digest of the exact signed PDF handed to the citizen
    issued_at: dt.datetime
    revoked_at: dt.datetime | None = None
    kind: str = "meldebescheinigung"

    def revoked(self, at: dt.datetime) -> IssuedDocument:
        return IssuedDocument(self.id, self.sha256, self.issued_at, at, self.kind)


class DocumentRegistry(abc.ABC):
    """Where the server records issued documents; the /verify/<id> page reads it."""

    @abc.abstractmethod
    def record(self, document: IssuedDocument) -> None:
        """Store a newly issued document; an id is never reused."""

    @abc.abstractmethod
    def find(self, document_id: str) -> IssuedDocument | None:
        """The document with this id, or None if we never issued it."""

    @abc.abstractmethod
    def revoke(self, document_id: str, at: dt.datetime) -> IssuedDocument:
        """Mark a document as withdrawn (e.g. issued for the wrong person); raises KeyError if unknown."""


def new_document_id(year: int, *, random_chars: int = 8) -> str:
    """A hard-to-guess id like VS-2026-7K3M-9QXD: the check URL must not let anyone enumerate documents."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(random_chars))
    groups = "-".join(chars[i:i + 4] for i in range(0, len(chars), 4))
    return f"VS-{year:04d}-{groups}"
