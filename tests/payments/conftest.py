"""Fixtures of the payment tests: a controllable clock, a sandbox provider and a service around it."""

from __future__ import annotations

import datetime as dt

import pytest

from videoschalter.payments.model import PaymentRequest, PaymentState
from videoschalter.payments.sandbox import SandboxProvider
from videoschalter.payments.service import MemoryPaymentStore, PaymentService

SANDBOX_SECRET = b"sandbox-secret-for-tests-only-32b"


class Clock:
    """Unix seconds for the providers, an aware datetime for the service – the same instant."""

    def __init__(self, t: float = 1_770_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.t, dt.UTC)


class Events:
    """Records what the clerk's live view would be told."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, PaymentState, PaymentState]] = []

    def __call__(self, request: PaymentRequest, previous: PaymentState) -> None:
        self.seen.append((request.id, previous, request.state))

    def states(self) -> list[PaymentState]:
        return [new for _, _, new in self.seen]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> SandboxProvider:
    return SandboxProvider("https://videoschalter.musterstadt.example", SANDBOX_SECRET, clock=clock)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def service(sandbox: SandboxProvider, clock: Clock, events: Events) -> PaymentService:
    svc = PaymentService(sandbox, MemoryPaymentStore(), now=clock.now)
    svc.subscribe(events)
    return svc
