"""The server app in-process, through aiohttp's test client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from signaling.app import init_app
from signaling.auth import hash_password
from signaling.storage import Storage
from tests.support.server import CLERK_PASSWORD, TEST_CONFIG
from videoschalter.config import load_config


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    (path / "videoschalter.toml").write_text(TEST_CONFIG.format(grace=0.3, joins=10), "utf-8")
    storage = Storage(path / "videoschalter.db")
    storage.add_clerk("anna", "Anna Schmidt", hash_password(CLERK_PASSWORD), ["buergeramt"])
    storage.add_clerk("bernd", "Bernd Bau", hash_password(CLERK_PASSWORD), ["bauamt"])
    storage.close()
    return path


@pytest.fixture
async def client(aiohttp_client: Any, data_dir: Path) -> TestClient:
    app = init_app(load_config(data_dir / "videoschalter.toml"), data_dir)
    return await aiohttp_client(app)


async def login(client: TestClient, username: str = "anna") -> str:
    res = await client.post("/api/v1/clerk/login", json={"username": username, "password": CLERK_PASSWORD})
    assert res.status == 200
    return (await res.json())["token"]


async def join(client: TestClient, name: str = "Erika", department: str = "buergeramt") -> dict[str, Any]:
    res = await client.post("/api/v1/tickets", json={"department": department, "name": name})
    assert res.status == 201, await res.text()
    return await res.json()
