"""What every payment provider offers the service, and what it hands back.

Implementations: :class:`videoschalter.payments.sandbox.SandboxProvider` (the demo's
built-in test page) and :class:`videoschalter.payments.hosted.HostedPageProvider`
(a real hosted-payment-page platform with signed callbacks).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from videoschalter.payments.model import PaymentRequest, PaymentState


class ForgedNotification(ValueError):
    """A notification that must not be believed. ``reason`` is a short code for logs and metrics."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class ProviderError(RuntimeError):
    """The provider could not be reached or answered something we cannot use (creating a payment)."""


@dataclass(frozen=True)
class Redirect:
    """Where to send the citizen's browser, and the provider's id for this checkout."""

    url: str
    provider_ref: str


@dataclass(frozen=True)
class Notification:
    """A provider's verified report about one transaction. Only built after the signature checked out."""

    provider: str
    provider_ref: str  # the provider's transaction id
    reference: str  # our PaymentRequest.id
    amount_cents: int
    currency: str
    state: PaymentState
    timestamp: int  # unix seconds, as signed by the provider


class PaymentProvider(ABC):
    """A way to take the citizen's money. The HTTP handler never talks to a provider directly."""

    name: str
    test_mode: bool

    @abstractmethod
    async def create(self, request: PaymentRequest, return_url: str, notify_url: str) -> Redirect:
        """Open a checkout for ``request``; raises :class:`ProviderError`."""

    @abstractmethod
    def parse_notification(self, body: bytes, content_type: str, headers: Mapping[str, str]) -> Notification:
        """Verify and decode a callback; raises :class:`ForgedNotification` with the reason."""
