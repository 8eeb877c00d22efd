"""Domain logic in plain Python: no Qt, no aiohttp, no SQLite."""
