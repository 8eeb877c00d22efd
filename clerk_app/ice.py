"""Which local addresses the clerk side offers as ICE host candidates.

aioice leaves 127.0.0.1 out of its host candidates. Tests and a one-machine
demo need exactly that address, and some offices want to pin one interface,
so the list can be set. aioice has no option for it; its module-level
``get_host_addresses`` is the one place it asks, so that is what we replace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import aioice.ice

_original: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses


def set_host_addresses(addresses: Sequence[str] | None) -> None:
    """Offer exactly these addresses; ``None`` restores aioice's own choice."""
    if not addresses:
        aioice.ice.get_host_addresses = _original
        return
    chosen = list(addresses)

    def fixed(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = fixed
