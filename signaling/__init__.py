"""The aiohttp server: pages, REST API, WebSocket signaling, SQLite storage."""
