"""The clerk's desktop app (PySide6 + qasync).

Qt-free modules (``client``, ``call``, ``controller``) hold the logic and are
tested with plain asyncio; the widget modules only show what they report.
"""
