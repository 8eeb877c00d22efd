"""Fees and online payment: the clerk asks for a fee, the citizen pays at a provider, the clerk sees it live.

Modules: ``model`` (request and state rules), ``signature`` (HMAC and replay),
``providers`` (the interface), ``wire`` (the hosted-page format), ``sandbox`` and
``hosted`` (the two providers), ``service`` (the use case and its store),
``settings`` (the provider ``config.payments`` asks for), ``texts`` (what the citizen reads).
See docs/payments.md.
"""

from videoschalter.payments.hosted import HostedPageProvider, HostedPageSettings
from videoschalter.payments.model import (
    AmountMismatch,
    CurrencyMismatch,
    InvalidTransition,
    PaymentError,
    PaymentRequest,
    PaymentState,
    transition,
)
from videoschalter.payments.providers import (
    ForgedNotification,
    Notification,
    PaymentProvider,
    ProviderError,
    Redirect,
)
from videoschalter.payments.sandbox import (
    SandboxCallback,
    SandboxError,
    SandboxProvider,
    deliver_callback,
    render_sandbox_page,
    render_sandbox_unknown_page,
)
from videoschalter.payments.service import (
    AlreadySettled,
    MemoryPaymentStore,
    NotificationRefused,
    PaymentNotFound,
    PaymentService,
    PaymentStore,
    VersionConflict,
)
from videoschalter.payments.signature import MemorySeenStore, SeenStore

__all__ = [
    "AlreadySettled",
    "AmountMismatch",
    "CurrencyMismatch",
    "ForgedNotification",
    "HostedPageProvider",
    "HostedPageSettings",
    "InvalidTransition",
    "MemoryPaymentStore",
    "MemorySeenStore",
    "Notification",
    "NotificationRefused",
    "PaymentError",
    "PaymentNotFound",
    "PaymentProvider",
    "PaymentRequest",
    "PaymentService",
    "PaymentState",
    "PaymentStore",
    "ProviderError",
    "Redirect",
    "SandboxCallback",
    "SandboxError",
    "SandboxProvider",
    "SeenStore",
    "VersionConflict",
    "deliver_callback",
    "render_sandbox_page",
    "render_sandbox_unknown_page",
    "transition",
]
