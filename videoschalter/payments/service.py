"""The payment use case: the clerk asks for a fee, the citizen pays, the clerk sees it – no web server, no Qt.

The HTTP handlers (the lead's) translate requests into these calls; the state
rules live in :mod:`model`, the cryptography in the providers. What is left here
is the order of things: verify, look up, compare, apply once, store, tell the
listeners (the clerk's live view).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from urllib.parse import urlsplit

from videoschalter.payments.model import (
    AmountMismatch,
    CurrencyMismatch,
    InvalidTransition,
    PaymentError,
    PaymentRequest,
    PaymentState,
    check_reported,
    new_request,
    transition,
)
from videoschalter.payments.providers import Notification, PaymentProvider, Redirect

log = logging.getLogger("videoschalter.payments")

MAX_ATTEMPTS = 5  # optimistic-locking retries before giving up on a hot row


class VersionConflict(RuntimeError):
    """Someone else stored the request since it was read; read again and re-apply."""


class PaymentNotFound(LookupError):
    pass


class AlreadySettled(PaymentError):
    """A checkout was asked for a request that is already paid or refunded."""


class NotificationRefused(ValueError):
    """A callback that was verified but cannot be applied; ``reason`` is a short code for logs."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class PaymentStore(ABC):
    """Where requests live. Two calls, so the SQLite version stays a dozen lines."""

    @abstractmethod
    async def get(self, request_id: str) -> PaymentRequest | None: ...

    @abstractmethod
    async def put(self, request: PaymentRequest) -> PaymentRequest:
        """Insert (``version`` 0, id not yet stored) or update (stored version equals ``request.version``).

        Returns the stored request with ``version + 1``; raises :class:`VersionConflict` otherwise.
        Must be atomic (SQLite: ``UPDATE … WHERE id = ? AND version = ?`` and check the row count).
        """


class MemoryPaymentStore(PaymentStore):
    def __init__(self) -> None:
        self._rows: dict[str, PaymentRequest] = {}
        self._lock = asyncio.Lock()

    async def get(self, request_id: str) -> PaymentRequest | None:
        return self._rows.get(request_id)

    async def put(self, request: PaymentRequest) -> PaymentRequest:
        async with self._lock:
            stored = self._rows.get(request.id)
            stored_version = stored.version if stored is not None else 0
            if stored_version != request.version or (stored is None) != (request.version == 0):
                raise VersionConflict(f"payment {request.id}: version {request.version}, stored {stored_version}")
            saved = replace(request, version=request.version + 1)
            self._rows[request.id] = saved
            return saved


Listener = Callable[[PaymentRequest, PaymentState], Awaitable[None] | None]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_request_id() -> str:
    """Short, upper-case and unguessable: fits platforms' reference fields (Kassenzeichen) of 20+ characters."""
    return "VS-" + secrets.token_hex(8).upper()


class PaymentService:
    def __init__(
        self,
        provider: PaymentProvider,
        store: PaymentStore,
        *,
        now: Callable[[], dt.datetime] = _utcnow,
        new_id: Callable[[], str] = new_request_id,
    ) -> None:
        self.provider = provider
        self.store = store
        self._now = now
        self._new_id = new_id
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """``listener(request, previous_state)`` runs after every stored state change – never for a repeat."""
        self._listeners.append(listener)

    async def get(self, request_id: str) -> PaymentRequest | None:
        return await self.store.get(request_id)

    async def request_payment(self, reference: str, amount_cents: int, purpose: str) -> PaymentRequest:
        """The clerk asks for the fee; ``amount_cents`` comes from the catalogue and is taken as it is."""
        request = new_request(self._new_id(), reference, amount_cents, purpose, self._now())
        saved = await self.store.put(request)
        log.info("payment %s: %d cents requested for %s", saved.id, saved.amount_cents, saved.reference)
        return saved

    async def start_checkout(self, request_id: str, return_url: str, notify_url: str) -> Redirect:
        """The citizen clicks "pay": open a checkout at the provider and remember its id.

        Allowed again after a failed or cancelled attempt and while one is pending (a reloaded page);
        refused once the request is paid or refunded.
        """
        for url in (return_url, notify_url):
            if urlsplit(url).scheme not in ("http", "https"):
                raise PaymentError(f"URL {url!r} must be absolute http(s)")
        current = await self._get(request_id)
        if current.is_final:
            raise AlreadySettled(f"payment {request_id} is already {current.state}")
        redirect = await self.provider.create(current, return_url, notify_url)
        for _ in range(MAX_ATTEMPTS):
            current = await self._get(request_id)
            try:
                moved = transition(current, PaymentState.PENDING, at=self._now(), provider=self.provider.name,
                                   provider_ref=redirect.provider_ref)
            except InvalidTransition as exc:  # paid while we talked to the provider
                raise AlreadySettled(f"payment {request_id} is already {current.state}") from exc
            updated = moved.request
            if not moved.changed:  # already pending: a new checkout replaces the old one
                updated = replace(current, provider=self.provider.name, provider_ref=redirect.provider_ref)
            try:
                saved = await self.store.put(updated)
            except VersionConflict:
                continue
            log.info("payment %s: checkout %s at %s", saved.id, redirect.provider_ref, self.provider.name)
            if moved.changed:
                await self._emit(saved, moved.previous)
            return redirect
        raise VersionConflict(f"payment {request_id}: gave up after {MAX_ATTEMPTS} conflicting updates")

    async def handle_notification(self, body: bytes, content_type: str, headers: Mapping[str, str]) -> PaymentRequest:
        """Verify and apply a provider's callback; returns the request as it now stands.

        Raises :class:`ForgedNotification` (signature, replay, format) or :class:`NotificationRefused`
        (unknown request, wrong amount or currency, other provider). A repeat or an outdated report
        is acknowledged without change, so the platform stops re-sending it.
        """
        note = self.provider.parse_notification(body, content_type, headers)
        for _ in range(MAX_ATTEMPTS):
            current = await self.store.get(note.reference)
            if current is None:
                log.warning("notification %s from %s for unknown payment %r refused",
                            note.provider_ref, note.provider, note.reference)
                raise NotificationRefused("unknown_request", f"no payment request {note.reference!r}")
            self._check(current, note)
            if self._outdated(current, note):
                return current
            try:
                moved = transition(current, note.state, at=self._now(), provider=note.provider,
                                   provider_ref=note.provider_ref)
            except InvalidTransition as exc:
                log.warning("payment %s: notification %s ignored: %s", current.id, note.provider_ref, exc)
                return current
            if not moved.changed:
                return current
            try:
                saved = await self.store.put(moved.request)
            except VersionConflict:
                continue
            log.info("payment %s: %s → %s (transaction %s)", saved.id, moved.previous, saved.state, note.provider_ref)
            await self._emit(saved, moved.previous)
            return saved
        raise VersionConflict(f"payment {note.reference}: gave up after {MAX_ATTEMPTS} conflicting updates")

    def _check(self, current: PaymentRequest, note: Notification) -> None:
        if current.provider and current.provider != note.provider:
            raise NotificationRefused("wrong_provider",
                                      f"payment {current.id} was sent to {current.provider}, not {note.provider}")
        try:
            check_reported(current, note.amount_cents, note.currency)
        except (AmountMismatch, CurrencyMismatch) as exc:
            log.warning("FRAUD SUSPICION: payment %s (%s), transaction %s at %s: %s",
                        current.id, current.reference, note.provider_ref, note.provider, exc)
            raise NotificationRefused("amount_mismatch" if isinstance(exc, AmountMismatch) else "wrong_currency",
                                      str(exc)) from exc

    def _outdated(self, current: PaymentRequest, note: Notification) -> bool:
        """Reports about another transaction than the current one only count if money arrived.

        A late "cancelled" from an abandoned first attempt must not overwrite the second attempt; a
        "paid" from any attempt is booked; a second "paid" is a double payment to refund by hand.
        """
        same_transaction = note.provider_ref == current.provider_ref
        if current.state == PaymentState.PAID:
            if note.state == PaymentState.PAID and not same_transaction:
                log.warning("payment %s: DOUBLE PAYMENT – already paid by transaction %s, transaction %s also "
                            "paid; refund it by hand", current.id, current.provider_ref, note.provider_ref)
                return True
            if not same_transaction:
                log.info("payment %s: %s for other transaction %s ignored", current.id, note.state, note.provider_ref)
                return True
            return False
        if note.state != PaymentState.PAID and current.provider_ref and not same_transaction:
            log.info("payment %s: outdated %s for earlier transaction %s ignored",
                     current.id, note.state, note.provider_ref)
            return True
        return False

    async def _get(self, request_id: str) -> PaymentRequest:
        current = await self.store.get(request_id)
        if current is None:
            raise PaymentNotFound(f"no payment request {request_id!r}")
        return current

    async def _emit(self, request: PaymentRequest, previous: PaymentState) -> None:
        for listener in list(self._listeners):
            try:
                result = listener(request, previous)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a broken live view must not undo a booked payment
                log.exception("payment listener failed for %s", request.id)

