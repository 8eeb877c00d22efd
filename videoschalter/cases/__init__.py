"""The case: one Behördengang in one session (see ``docs/case.md``).

Plain Python only – no aiohttp, no Qt. The server (``signaling/case_*.py``) stores and
announces; this package decides what an upload is, how files are kept at rest, what a
signature records, what the export looks like and what retention deletes.
"""
