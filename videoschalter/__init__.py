"""Videoschalter: a self-hostable virtual citizen office.

This package holds the Qt-free, aiohttp-free core: configuration, the
signaling message format and the domain logic (queue, opening hours, ...).
The adapters live beside it: ``signaling`` (server), ``clerk_app`` (Qt),
``hardware`` (devices) and ``citizen_web`` (browser client).
"""

__version__ = "0.1.0"
