"""State rules of a payment request: paid is final, repeats are no-ops, the amount is exactly the fee."""

from __future__ import annotations

import datetime as dt

import pytest

from videoschalter.payments.model import (
    ALLOWED,
    AmountMismatch,
    CurrencyMismatch,
    InvalidTransition,
    PaymentError,
    PaymentRequest,
    PaymentState,
    new_request,
    transition,
)

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(minutes=3)
S = PaymentState


def request(state: PaymentState = S.OPEN) -> PaymentRequest:
    """A request of 5,00 € that has reached ``state``."""
    r = new_request("VS-1", "ticket-42", 500, "Meldebescheinigung", T0)
    if state == S.REFUNDED:
        return transition(transition(r, S.PAID, at=T0).request, S.REFUNDED, at=T0).request
    return transition(r, state, at=T0).request


def test_new_request_keeps_the_fee_exactly() -> None:
    r = new_request("VS-1", " ticket-42 ", 1300, "Führungszeugnis\n beantragen", T0)
    assert (r.amount_cents, r.currency, r.state, r.reference) == (1300, "EUR", S.OPEN, "ticket-42")
    assert r.purpose == "Führungszeugnis beantragen"  # no line breaks in cash books
    assert r.paid_at is None and r.version == 0


@pytest.mark.parametrize("amount", [0, -500, 5.0, "500", True, 10_000_001])
def test_new_request_refuses_bad_amounts(amount: object) -> None:
    with pytest.raises(PaymentError):
        new_request("VS-1", "t", amount, "Gebühr", T0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("reference", "purpose", "created"), [
    ("", "Gebühr", T0), ("t", "  ", T0), ("t", "x" * 141, T0), ("t", "Gebühr", T0.replace(tzinfo=None)),
])
def test_new_request_refuses_bad_fields(reference: str, purpose: str, created: dt.datetime) -> None:
    with pytest.raises(PaymentError):
        new_request("VS-1", reference, 500, purpose, created)


def test_paid_sets_paid_at_and_is_idempotent() -> None:
    paid = transition(request(), S.PAID, at=T1, amount_cents=500, currency="EUR", provider_ref="tx1")
    assert paid.changed and paid.previous == S.OPEN
    assert paid.request.state == S.PAID and paid.request.paid_at == T1 and paid.request.provider_ref == "tx1"
    again = transition(paid.request, S.PAID, at=T1 + dt.timedelta(hours=1), amount_cents=500, currency="EUR")
    assert not again.changed
    assert again.request is paid.request  # paid_at stays the first one: nothing booked twice


@pytest.mark.parametrize("target", [S.OPEN, S.PENDING, S.FAILED, S.CANCELLED])
def test_paid_is_final(target: PaymentState) -> None:
    paid = request(S.PAID)
    with pytest.raises(InvalidTransition, match="paid is final"):
        transition(paid, target, at=T1)


def test_only_a_paid_request_can_be_refunded_and_refunded_is_final() -> None:
    for state in (S.OPEN, S.PENDING, S.FAILED, S.CANCELLED):
        with pytest.raises(InvalidTransition, match="nothing was paid"):
            transition(request(state), S.REFUNDED, at=T1)
    refunded = request(S.REFUNDED)
    for target in (S.PAID, S.PENDING, S.OPEN):
        with pytest.raises(InvalidTransition, match="refunded is final"):
            transition(refunded, target, at=T1)


@pytest.mark.parametrize("state", [S.FAILED, S.CANCELLED])
def test_failed_or_cancelled_can_be_retried_or_turn_out_paid(state: PaymentState) -> None:
    r = request(state)
    assert transition(r, S.PENDING, at=T1).request.state == S.PENDING
    assert transition(r, S.PAID, at=T1).request.state == S.PAID  # money that arrived is booked
    with pytest.raises(InvalidTransition):
        transition(r, S.OPEN, at=T1)


def test_every_pair_is_either_allowed_or_a_clear_error() -> None:
    for current in S:
        for target in S:
            r = request(current)
            if target == current or target in ALLOWED[current]:
                assert transition(r, target, at=T1).request.state == target
            else:
                with pytest.raises(InvalidTransition, match=f"from {current} to {target}"):
                    transition(r, target, at=T1)


@pytest.mark.parametrize("state", list(S))
def test_wrong_amount_is_refused_in_every_state(state: PaymentState) -> None:
    r = request(state)
    with pytest.raises(AmountMismatch) as err:
        transition(r, S.PAID, at=T1, amount_cents=499, currency="EUR")
    assert (err.value.expected_cents, err.value.reported_cents) == (500, 499)


def test_no_fee_added_or_subtracted() -> None:
    for reported in (501, 500 + 35, 0):  # e.g. a platform that adds its own fee
        with pytest.raises(AmountMismatch):
            transition(request(), S.PAID, at=T1, amount_cents=reported, currency="EUR")


@pytest.mark.parametrize("currency", ["USD", "eur", "", "EUR "])
def test_currency_must_be_eur(currency: str) -> None:
    with pytest.raises(CurrencyMismatch):
        transition(request(), S.PAID, at=T1, amount_cents=500, currency=currency)
