"""REST API: joining, tokens, clerk login, bad input, headers, OpenAPI."""

from __future__ import annotations

import datetime
import re
import sqlite3

import pytest
from aiohttp.test_utils import TestClient

from tests.signaling.conftest import join, login


async def test_healthz_and_departments(client: TestClient) -> None:
    assert (await (await client.get("/healthz")).json()) == {"ok": True}
    depts = (await (await client.get("/api/v1/departments")).json())["departments"]
    assert [d["id"] for d in depts] == ["buergeramt", "bauamt", "standesamt"]
    assert depts[0]["open"] is True and depts[0]["state"] == "no_clerk" and depts[0]["waiting"] == 0


async def test_join_gives_unguessable_link_that_reopens_the_place(client: TestClient) -> None:
    first = await join(client, "Erika")
    second = await join(client, "Max")
    token = second["token"]
    assert len(token) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert second["url"] == f"/w/{token}"
    res = await client.get("/api/v1/tickets/me", headers={"Authorization": f"Bearer {token}"})
    body = await res.json()
    assert body["position"] == 2 and body["waiting"] == 2 and body["ticket"]["name"] == "Max"
    assert first["ticket"]["number"] == 1 and second["ticket"]["number"] == 2
    page = await client.get(second["url"])
    assert page.status == 200 and "Warteraum" in await page.text()


async def test_token_is_stored_hashed(client: TestClient, data_dir) -> None:  # type: ignore[no-untyped-def]
    joined = await join(client)
    raw = (data_dir / "videoschalter.db").read_bytes() + (data_dir / "videoschalter.db-wal").read_bytes()
    assert joined["token"].encode() not in raw


async def test_wrong_token_gets_403_and_a_clear_page(client: TestClient) -> None:
    res = await client.get("/api/v1/tickets/me", headers={"Authorization": "Bearer nope"})
    assert res.status == 403 and (await res.json())["error"] == "invalid_token"
    res = await client.get("/api/v1/tickets/me")
    assert res.status == 403
    page = await client.get("/w/definitely-not-a-token", headers={"Accept-Language": "de"})
    assert page.status == 403
    text = await page.text()
    assert "ungültig oder abgelaufen" in text and 'href="/"' in text
    english = await client.get("/w/nope", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "invalid or has expired" in await english.text()


async def test_expired_token_is_refused(client: TestClient, data_dir) -> None:  # type: ignore[no-untyped-def]
    joined = await join(client)
    conn = sqlite3.connect(data_dir / "videoschalter.db")
    conn.execute("update tickets set expires_at = '2000-01-01T00:00:00.000+00:00'")
    conn.commit()
    conn.close()
    res = await client.get("/api/v1/tickets/me", headers={"Authorization": f"Bearer {joined['token']}"})
    assert res.status == 403
    assert (await client.get(joined["url"])).status == 403


async def test_join_validates_input(client: TestClient) -> None:
    cases = [
        ({"department": "nope", "name": "A"}, 400, "unknown_department"),
        ({"department": "buergeramt", "name": ""}, 400, "invalid_name"),
        ({"department": "buergeramt", "name": "   "}, 400, "invalid_name"),
        ({"department": "buergeramt", "name": "x" * 81}, 400, "invalid_name"),
        ({"department": "buergeramt", "name": "a\x00b"}, 400, "invalid_name"),
        ({"department": "buergeramt", "name": 5}, 400, "invalid_name"),
    ]
    for body, status, code in cases:
        res = await client.post("/api/v1/tickets", json=body)
        assert res.status == status, body
        assert (await res.json())["error"] == code
    res = await client.post("/api/v1/tickets", data=b"{not json", headers={"Content-Type": "application/json"})
    assert res.status == 400 and (await res.json())["error"] == "invalid_json"
    res = await client.post("/api/v1/tickets", data=b"[1,2]")
    assert res.status == 400
    res = await client.post("/api/v1/tickets", data=b"x" * 100_000)
    assert res.status == 413


async def test_joining_a_closed_department_says_when_it_opens(client: TestClient) -> None:
    from signaling.keys import CONFIG

    dept = client.app[CONFIG].department("standesamt")
    if dept.hours.is_open(datetime.datetime.now(datetime.UTC)):
        pytest.skip("the test department is open one minute a week: now")
    res = await client.post("/api/v1/tickets", json={"department": "standesamt", "name": "Erika"})
    body = await res.json()
    assert res.status == 409 and body["error"] == "closed"
    assert "Standesamt ist gerade geschlossen" in body["message"] and "Nächste Öffnung" in body["message"]
    depts = {d["id"]: d for d in (await (await client.get("/api/v1/departments")).json())["departments"]}
    assert depts["standesamt"]["state"] == "closed" and depts["standesamt"]["next_opening"]


async def test_join_is_rate_limited_per_address(client: TestClient) -> None:
    statuses = [(await client.post("/api/v1/tickets", json={"department": "buergeramt", "name": f"P{i}"})).status
                for i in range(12)]
    assert statuses[:10] == [201] * 10 and statuses[10:] == [429, 429]


async def test_leave_queue(client: TestClient) -> None:
    joined = await join(client)
    headers = {"Authorization": f"Bearer {joined['token']}"}
    assert (await client.delete("/api/v1/tickets/me", headers=headers)).status == 200
    assert (await client.delete("/api/v1/tickets/me", headers=headers)).status == 409


async def test_clerk_login_and_protected_endpoints(client: TestClient) -> None:
    res = await client.post("/api/v1/clerk/login", json={"username": "anna", "password": "falsch"})
    assert res.status == 401 and (await res.json())["error"] == "invalid_credentials"
    res = await client.post("/api/v1/clerk/login", json={"username": "niemand", "password": "falsch"})
    assert res.status == 401
    assert (await client.get("/api/v1/clerk/me")).status == 401
    assert (await client.get("/api/v1/clerk/me", headers={"Authorization": "Bearer forged"})).status == 401
    token = await login(client)
    headers = {"Authorization": f"Bearer {token}"}
    me = await (await client.get("/api/v1/clerk/me", headers=headers)).json()
    assert me["clerk"]["username"] == "anna" and me["clerk"]["departments"] == ["buergeramt"]
    await join(client, "Erika")
    await join(client, "Bob", "bauamt")
    queue = await (await client.get("/api/v1/clerk/queue", headers=headers)).json()
    assert [t["name"] for t in queue["tickets"]] == ["Erika"]  # only her own department
    assert (await client.post("/api/v1/clerk/logout", headers=headers)).status == 200
    assert (await client.get("/api/v1/clerk/me", headers=headers)).status == 401


async def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for path in ("/", "/api/v1/departments", "/w/nope", "/static/waiting.js"):
        res = await client.get(path)
        csp = res.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert res.headers["Referrer-Policy"] == "no-referrer"
        assert res.headers["X-Content-Type-Options"] == "nosniff"


async def test_static_files_cannot_escape_their_folder(client: TestClient) -> None:
    assert (await client.get("/static/../signaling/app.py")).status in (403, 404)
    assert (await client.get("/static/%2e%2e/signaling/app.py")).status in (403, 404)


async def test_translations_endpoint(client: TestClient) -> None:
    en = await (await client.get("/api/v1/i18n/en")).json()
    assert en["messages"]["Wartenummer ziehen"] == "Take a number"
    assert (await client.get("/api/v1/i18n/xx")).status == 404


async def test_openapi_documents_every_route(client: TestClient) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = set()
    for route in client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if route.method == "HEAD" or path is None or not (path.startswith("/api/") or path == "/healthz"):
            continue
        served.add((path, route.method))
    assert served == documented
