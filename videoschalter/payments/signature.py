"""HMAC-SHA256 signatures over a fixed list of fields, and replay protection.

Canonical string: for each field, in the order the wire format defines,
``name=value`` with the value percent-encoded as UTF-8 (RFC 3986: only
``A-Z a-z 0-9 - . _ ~`` stay as they are), joined by ``&``. Encoding the values
makes the string unambiguous: no value can smuggle in a separator and shift
text from one field into another. Any platform can rebuild it (PHP:
``rawurlencode``, Java: ``URLEncoder`` with ``+``→``%20`` and ``%7E``→``~``).

Replay protection has two parts: a timestamp that must lie within a window
around our clock, and a nonce that is accepted once. Nonces only have to be
remembered for the length of the window – anything older fails the timestamp
check anyway – so the seen-set stays small.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

MIN_SECRET_BYTES = 32
DEFAULT_WINDOW_S = 300


class MissingField(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"field {name!r} is missing")
        self.name = name


def canonical(fields: Mapping[str, str]) -> bytes:
    """The bytes that are signed: the fields in the mapping's order (build it with :func:`pick`)."""
    return "&".join(f"{quote(name, safe='-._~')}={quote(value, safe='-._~')}"
                    for name, value in fields.items()).encode("ascii")


def pick(data: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The signed fields of a message, in signing order; a missing one is an error, extra ones are left out."""
    picked: dict[str, str] = {}
    for name in names:
        if name not in data:
            raise MissingField(name)
        picked[name] = data[name]
    return picked


def sign(fields: Mapping[str, str], secret: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of :func:`canonical` ``(fields)``."""
    return hmac.new(secret, canonical(fields), hashlib.sha256).hexdigest()


def verify(fields: Mapping[str, str], signature: str, secret: bytes) -> bool:
    """Constant-time comparison; upper-case hex is accepted, anything else that is not the MAC is not."""
    expected = sign(fields, secret)
    try:
        given = signature.strip().lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected.encode("ascii"), given)


def check_secret(secret: bytes) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the shared secret must be at least {MIN_SECRET_BYTES} bytes long")
    return secret


# --- replay protection -----------------------------------------------------------------------------


class ReplayError(ValueError):
    """The message is too old, from the future, or was seen before."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SeenStore(ABC):
    """Remembers nonces until they expire. The lead's SQLite table implements the same two lines."""

    @abstractmethod
    def remember(self, key: str, expires_at: float) -> bool:
        """Store ``key`` until ``expires_at`` (unix seconds); False if it is already stored. Must be atomic."""


@dataclass
class MemorySeenStore(SeenStore):
    """For tests and the sandbox: forgets everything on restart, which the timestamp window makes harmless."""

    clock: Callable[[], float] = time.time
    _seen: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _purge_at: int = 1000  # size at which expired entries are dropped; doubles if they are all still valid

    def remember(self, key: str, expires_at: float) -> bool:
        now = self.clock()
        with self._lock:
            if len(self._seen) >= self._purge_at:
                self._seen = {k: t for k, t in self._seen.items() if t > now}
                self._purge_at = max(1000, 2 * len(self._seen))
            known = self._seen.get(key)
            if known is not None and known > now:
                return False
            self._seen[key] = expires_at
            return True


def parse_timestamp(value: str) -> int:
    """Unix seconds as plain decimal digits; anything else is refused rather than guessed."""
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise ReplayError("bad_timestamp", f"timestamp {value[:20]!r} is not unix seconds")
    return int(value)


@dataclass
class ReplayGuard:
    """Accepts a (timestamp, nonce) pair once, and only while the timestamp is within ``window_s`` of now."""

    seen: SeenStore
    window_s: float = DEFAULT_WINDOW_S
    clock: Callable[[], float] = time.time

    def check(self, scope: str, nonce: str, timestamp: str) -> None:
        """Raise :class:`ReplayError`; remember the nonce only if the message is fresh."""
        sent = parse_timestamp(timestamp)
        now = self.clock()
        if abs(now - sent) > self.window_s:
            raise ReplayError("stale", f"timestamp is {now - sent:+.0f} s off, allowed are ±{self.window_s:.0f} s")
        if not nonce or len(nonce) > 128:
            raise ReplayError("bad_nonce", "nonce must be 1 to 128 characters")
        # Keep the nonce until its timestamp leaves the window; then the timestamp check refuses it anyway.
        if not self.seen.remember(f"{scope}:{nonce}", sent + self.window_s + 1):
            raise ReplayError("replay", "nonce was already used")
