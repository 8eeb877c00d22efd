"""A payment request and the rules for how its state may change.

Everything here is pure: no clock, no storage, no network. The service feeds in
what a provider reported and gets back the new request or a clear refusal.

Gross principle: the amount the citizen pays is exactly the town's fee. Nothing
is added or subtracted here or anywhere else; a notification with any other
amount is refused as a fraud suspicion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

CURRENCY = "EUR"
MAX_PURPOSE_LENGTH = 140  # SEPA remittance information; cash offices (Kassen) book against it
MAX_AMOUNT_CENTS = 10_000_000  # 100 000 € – far above any counter fee, catches unit mix-ups (euro vs. cent)


class PaymentState(StrEnum):
    OPEN = "open"  # created by the clerk, citizen has not started paying
    PENDING = "pending"  # citizen is at the provider, or the provider is still processing
    PAID = "paid"  # money received – final, except for a refund
    FAILED = "failed"  # provider declined; the citizen may try again
    CANCELLED = "cancelled"  # citizen aborted; the citizen may try again
    REFUNDED = "refunded"  # money given back – final


class PaymentError(ValueError):
    """A payment rule was broken; the message says which one."""


class InvalidTransition(PaymentError):
    def __init__(self, current: PaymentState, target: PaymentState, why: str) -> None:
        super().__init__(f"payment cannot go from {current} to {target}: {why}")
        self.current = current
        self.target = target


class AmountMismatch(PaymentError):
    """The provider reports another amount than the fee – treated as fraud suspicion."""

    def __init__(self, expected_cents: int, reported_cents: int) -> None:
        super().__init__(f"amount {reported_cents} cents reported, {expected_cents} cents requested")
        self.expected_cents = expected_cents
        self.reported_cents = reported_cents


class CurrencyMismatch(PaymentError):
    def __init__(self, currency: str) -> None:
        super().__init__(f"currency {currency!r} reported, only {CURRENCY} is accepted")
        self.currency = currency


@dataclass(frozen=True)
class PaymentRequest:
    """One fee the clerk asks a citizen to pay. ``version`` counts stored updates (optimistic locking)."""

    id: str
    reference: str  # the case or ticket this fee belongs to
    amount_cents: int
    purpose: str  # shown to the citizen and in the town's cash books
    created_at: dt.datetime
    currency: str = CURRENCY
    state: PaymentState = PaymentState.OPEN
    provider: str = ""  # name of the provider the last checkout went to
    provider_ref: str = ""  # the provider's transaction id of the last checkout
    paid_at: dt.datetime | None = None
    version: int = 0

    @property
    def is_final(self) -> bool:
        return self.state in (PaymentState.PAID, PaymentState.REFUNDED)


def new_request(
    request_id: str, reference: str, amount_cents: int, purpose: str, created_at: dt.datetime
) -> PaymentRequest:
    """Validate the clerk's input; the amount is the fee from the catalogue, in whole cents."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise PaymentError("amount must be whole euro cents (int)")
    if not 0 < amount_cents <= MAX_AMOUNT_CENTS:
        raise PaymentError(f"amount must be between 1 and {MAX_AMOUNT_CENTS} cents, not {amount_cents}")
    purpose = " ".join(purpose.split())  # no control characters or line breaks in cash books
    if not purpose:
        raise PaymentError("purpose must not be empty")
    if len(purpose) > MAX_PURPOSE_LENGTH:
        raise PaymentError(f"purpose must be at most {MAX_PURPOSE_LENGTH} characters")
    reference = reference.strip()
    if not reference:
        raise PaymentError("reference must not be empty")
    if created_at.tzinfo is None:
        raise PaymentError("created_at must carry a time zone")
    return PaymentRequest(id=request_id, reference=reference, amount_cents=amount_cents, purpose=purpose,
                          created_at=created_at)


# Which states a state may move to. Staying in the same state is always allowed and is a no-op.
# FAILED and CANCELLED may still become PAID: if money really arrived (a late notification from
# an earlier attempt), it must be booked, not lost.
ALLOWED: dict[PaymentState, frozenset[PaymentState]] = {
    PaymentState.OPEN: frozenset({PaymentState.PENDING, PaymentState.PAID, PaymentState.FAILED,
                                  PaymentState.CANCELLED}),
    PaymentState.PENDING: frozenset({PaymentState.PAID, PaymentState.FAILED, PaymentState.CANCELLED}),
    PaymentState.FAILED: frozenset({PaymentState.PENDING, PaymentState.PAID}),
    PaymentState.CANCELLED: frozenset({PaymentState.PENDING, PaymentState.PAID}),
    PaymentState.PAID: frozenset({PaymentState.REFUNDED}),
    PaymentState.REFUNDED: frozenset(),
}


@dataclass(frozen=True)
class Transition:
    """The outcome of applying a reported state: ``changed`` is False for an idempotent repeat."""

    request: PaymentRequest
    changed: bool
    previous: PaymentState


def transition(
    request: PaymentRequest,
    target: PaymentState,
    *,
    at: dt.datetime,
    amount_cents: int | None = None,
    currency: str | None = None,
    provider: str | None = None,
    provider_ref: str | None = None,
) -> Transition:
    """Move ``request`` to ``target`` or raise why not.

    ``amount_cents`` and ``currency`` are what a provider reported; they must match the request
    exactly (checked first, whatever the state). A repeated state – above all a second "paid" –
    returns the request unchanged, so nothing is booked twice.
    """
    check_reported(request, amount_cents, currency)
    if target == request.state:
        return Transition(request, changed=False, previous=request.state)
    if target not in ALLOWED[request.state]:
        raise InvalidTransition(request.state, target, _why_not(request.state, target))
    changes: dict[str, object] = {"state": target}
    if provider is not None:
        changes["provider"] = provider
    if provider_ref is not None:
        changes["provider_ref"] = provider_ref
    if target == PaymentState.PAID:
        changes["paid_at"] = at
    return Transition(replace(request, **changes), changed=True, previous=request.state)  # type: ignore[arg-type]


def check_reported(request: PaymentRequest, amount_cents: int | None, currency: str | None) -> None:
    """What a provider reports must be exactly what was requested: EUR, and the fee to the cent."""
    if currency is not None and currency != CURRENCY:
        raise CurrencyMismatch(currency)
    if amount_cents is not None and amount_cents != request.amount_cents:
        raise AmountMismatch(request.amount_cents, amount_cents)


def _why_not(current: PaymentState, target: PaymentState) -> str:
    if current == PaymentState.PAID:
        return "paid is final (only a refund may follow)"
    if current == PaymentState.REFUNDED:
        return "refunded is final"
    if target == PaymentState.REFUNDED:
        return "nothing was paid that could be refunded"
    if target == PaymentState.OPEN:
        return "a request never becomes open again"
    return "a failed or cancelled attempt can only be retried (pending) or turn out paid"
