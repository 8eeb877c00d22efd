"""Clerk authentication: argon2 password hashes and bearer session tokens."""

from __future__ import annotations

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from signaling.keys import CONFIG, STORE
from signaling.storage import Clerk, Storage

_hasher = PasswordHasher()

# Verifying against a dummy hash when the user does not exist keeps the
# response time the same, so usernames cannot be probed by timing.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def login(request: web.Request, username: str, password: str) -> tuple[Clerk, str, str] | None:
    store = request.app[STORE]
    found = await store.run(Storage.clerk_password_hash, username)
    if found is None:
        verify_password(_DUMMY_HASH, password)
        return None
    clerk_id, password_hash = found
    if not verify_password(password_hash, password):
        return None
    if needs_rehash(password_hash):
        await store.run(Storage.update_password_hash, clerk_id, hash_password(password))
    token, expires = await store.run(Storage.create_clerk_session, clerk_id, request.app[CONFIG].clerk_session_hours)
    clerk = await store.run(Storage.clerk, clerk_id)
    return clerk, token, expires


async def require_clerk(request: web.Request) -> Clerk:
    """The clerk behind the request's bearer token, or a 401 with a JSON reason."""
    token = bearer_token(request)
    clerk = await request.app[STORE].run(Storage.clerk_for_session, token) if token else None
    if clerk is None:
        raise web.HTTPUnauthorized(
            text='{"error":"unauthorized","message":"Anmeldung erforderlich oder abgelaufen"}',
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return clerk
