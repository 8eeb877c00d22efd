"""SIGKILL the server in the middle of a case: nothing acknowledged is lost, both sides get it all back.

The real server process, real Chromium as the citizen, the clerk as a plain WebSocket client
(``ClerkSocket``). The case gets chat both ways, an upload, a form filled by both sides and confirmed,
and a signature; the server is killed the moment it acknowledged the last chat line (the clerk got
the echo), then started again on the same data folder and port. The page must come back by itself,
the clerk with its old session token, and the case must be the same as before, plus that last line.
Then a second kill hits an upload on its way up: the page's retry uses the same Idempotency-Key and
the case holds the file once; vault files that a crash can leave without their row are swept at start.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from tests.e2e.test_case_citizen import ClerkSocket, citizen_in_call, csp_watch, draw, fill_form, noise_png
from tests.support.browser import wait_js
from tests.support.server import ServerProcess

pytestmark = pytest.mark.e2e

GRACE_S = 30.0  # long enough for both sides to come back after the restart on a slow machine


async def reattach(old: ClerkSocket) -> ClerkSocket:
    """The clerk app after a restart: a new WebSocket, the same session token (no new login)."""
    await old.close()
    sock = ClerkSocket(old.server)
    sock.token = old.token
    for _ in range(100):
        try:
            sock._ws = await sock.session.ws_connect(f"{old.server.url}/api/v1/ws/clerk")
            break
        except OSError:
            await asyncio.sleep(0.1)
    sock._reader = asyncio.create_task(sock._read())
    await sock.send("hello", token=sock.token)
    await sock.wait("welcome")
    return sock


async def snapshot(clerk: ClerkSocket, ticket_id: int) -> dict[str, Any]:
    mark = len(clerk.messages)
    await clerk.send("case_open", ticket_id=ticket_id)
    return (await clerk.wait("case", ticket_id=ticket_id, after=mark))["case"]


async def snapshots_seen(page: Page) -> int:
    return int(await page.get_attribute("body", "data-case-snapshots") or 0)


def comparable(case: dict[str, Any]) -> dict[str, Any]:
    """What must survive a crash unchanged (the form's ``errors``/labels are derived, ``events`` grow)."""
    form = case["form"]
    keep = ("values", "version", "confirmed", "document_hash", "signed", "needs_check")
    return {"chat": case["chat"], "documents": case["documents"], "signatures": case["signatures"],
            "identity": case["identity"], "sign_request": case["sign_request"],
            "form": {k: form.get(k) for k in keep}}


async def page_shows(page: Page, chat: list[str], documents: list[str]) -> None:
    """The citizen's panel shows the whole case: chat, documents, form values and that it is signed."""
    await wait_js(page, f"document.querySelectorAll('#chat-log li').length === {len(chat)}")
    texts = await page.eval_on_selector_all("#chat-log li .text", "els => els.map(e => e.textContent)")
    assert texts == chat
    await wait_js(page, f"document.querySelectorAll('#doc-list li').length === {len(documents)}")
    names = await page.eval_on_selector_all("#doc-list li .name", "els => els.map(e => e.textContent)")
    assert sorted(names) == sorted(documents)
    form = await page.inner_text("#form-view")
    assert "MUSTERMANN" in form.upper() and "Arbeitgeber" in form
    # signed: the citizen's fields are read-only now, and the pad says the signature arrived
    assert await page.evaluate("document.querySelectorAll('#form-view input, #form-view select').length") == 0
    assert await page.get_attribute("#sig-pad", "data-state") == "signed"
    assert not await page.is_hidden("#tab-sign")


def stored_documents(server: ServerProcess, key: str) -> int:
    with sqlite3.connect(server.data / "videoschalter.db") as db:
        return db.execute("select count(*) from case_documents where idempotency_key = ?", [key]).fetchone()[0]


def plant_crash_leftovers(server: ServerProcess) -> list[Path]:
    """What a kill between an upload's file and its row leaves (an encrypted file no row names), and a
    kill inside the write (a temporary file); both from an hour and more ago, so a sweep may take them."""
    folder = server.data / "cases"
    leftovers = [folder / secrets.token_hex(16), folder / f".{secrets.token_hex(16)}.0123abcd.tmp"]
    old = time.time() - 7200
    for path in leftovers:
        path.write_bytes(secrets.token_bytes(200))
        os.utime(path, (old, old))
    return leftovers


def vault_files(server: ServerProcess) -> int:
    return len([p for p in (server.data / "cases").iterdir() if not p.name.startswith(".")])


async def test_kill_in_the_middle_of_a_case(tmp_path: Path, browser: Browser) -> None:
    server = ServerProcess(tmp_path / "data")
    server.write_config(grace=GRACE_S)
    server.add_clerk("anna")
    server.start()
    clerks = [await ClerkSocket(server).open()]
    try:
        await story_with_two_kills(server, clerks, browser, tmp_path)
    finally:
        await clerks[-1].close()
        server.stop()


async def story_with_two_kills(server: ServerProcess, clerks: list[ClerkSocket], browser: Browser,
                               tmp_path: Path) -> None:
    clerk = clerks[0]
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    problems = csp_watch(page)

    # chat both ways
    await clerk.send("chat", ticket_id=ticket_id, text="Guten Tag, was kann ich für Sie tun?")
    await page.fill("#chat-input", "Ich brauche eine Meldebescheinigung.")
    await page.press("#chat-input", "Enter")
    await clerk.wait("chat", **{"from": "citizen"})

    # an upload from the page
    await page.click("#tab-docs")
    await page.set_input_files("#doc-file", str(noise_png(tmp_path / "Mietvertrag.png", size=160, seed=3)))
    await page.wait_for_selector("#upload-list li[data-state='done']")
    await clerk.wait("document", ticket_id=ticket_id, name="Mietvertrag.png")

    # the form: the clerk fills it, the citizen adds the purpose on their page and confirms
    form = await fill_form(clerk, ticket_id)
    await page.click("#tab-form")
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    mark = len(clerk.messages)
    await page.fill("#form-view [data-field='purpose']", "Arbeitgeber")
    await page.press("#form-view [data-field='purpose']", "Tab")
    form = (await clerk.wait("form", ticket_id=ticket_id, after=mark, version=form["version"] + 1))["form"]
    assert form["values"]["purpose"] == "Arbeitgeber"
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    await page.click("#form-confirm")
    await page.wait_for_selector("#form-msg[data-code='confirmed']")

    # the signature
    mark = len(clerk.messages)
    await clerk.send("sign_request", ticket_id=ticket_id)
    await page.wait_for_selector("#sig-pad[data-state='requested']")
    await draw(page, [(0.1, 0.6), (0.25, 0.3), (0.4, 0.7), (0.55, 0.35), (0.7, 0.6)])
    await page.click("#sig-submit")
    signature = await clerk.wait("signature", ticket_id=ticket_id, after=mark)
    await page.wait_for_selector("#sig-pad[data-state='signed']")
    await clerk.wait("form", ticket_id=ticket_id, after=mark, version=form["version"])
    before = await snapshot(clerk, ticket_id)
    assert [s["id"] for s in before["signatures"]] == [signature["id"]] and before["form"]["signed"]

    # kill #1: the moment the server acknowledged the citizen's last line (the clerk got the echo)
    seen = await snapshots_seen(page)
    mark = len(clerk.messages)
    await page.click("#tab-chat")
    await page.fill("#chat-input", "Danke, bis gleich!")
    await page.press("#chat-input", "Enter")
    last = await clerk.wait("chat", after=mark, **{"from": "citizen"})
    killed = time.monotonic()
    server.kill()
    server.start()
    up = time.monotonic()

    # the page reconnects by itself and gets the whole case again
    await wait_js(page, f"Number(document.body.dataset.caseSnapshots) > {seen}", timeout=30)
    print(f"kill → server up {up - killed:.2f} s, → page has its case again {time.monotonic() - killed:.2f} s")
    assert await page.get_attribute("body", "data-phase") == "call"
    chat = [m["text"] for m in before["chat"]] + [last["text"]]
    documents = [d["name"] for d in before["documents"]]
    assert sorted(documents) == ["Mietvertrag.png", "Unterschrift.png"]
    await page_shows(page, chat, documents)

    # the clerk comes back with the session it had; the case is the one before plus the last line
    clerk = await reattach(clerk)
    clerks.append(clerk)
    welcome = clerk.messages[0]
    assert [c["ticket_id"] for c in welcome["calls"]] == [ticket_id]
    after = await snapshot(clerk, ticket_id)
    expected = comparable(before)
    expected["chat"] = [*before["chat"], {k: v for k, v in last.items() if k not in ("v", "type", "ticket_id")}]
    assert comparable(after) == expected
    assert after["events"][:len(before["events"])] == before["events"]  # the audit log only grew

    # a fresh page builds the same panel from the snapshot alone: the link opened again in a new tab (a
    # reload would end the call: the page hangs up on pagehide, docs/protocol.md); the old tab steps back
    old = page
    page = await browser.new_page(locale="de-DE")
    problems_new = csp_watch(page)
    await page.goto(old.url)
    await page.wait_for_selector("body[data-phase='call']")
    await old.wait_for_selector("body[data-phase='ended']")
    await wait_js(page, "Number(document.body.dataset.caseSnapshots) >= 1")
    await page_shows(page, chat, documents)

    # kill #2 while an upload is on its way up; the page's retry uses the same key, the case holds it once
    keys: list[str] = []
    page.on("request", lambda r: keys.append(r.headers.get("idempotency-key", ""))
            if r.url.endswith("/api/v1/case/documents") else None)
    big = noise_png(tmp_path / "Lageplan.png", size=700, seed=4)  # ≈ 1.5 MB
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                         "uploadThroughput": 200_000})
    await page.click("#tab-docs")
    await page.evaluate("document.getElementById('upload-list').replaceChildren()")
    await page.set_input_files("#doc-file", str(big))
    await wait_js(page, "Number(document.querySelector('#upload-list li')?.dataset.progressEvents) >= 1")
    assert await page.get_attribute("#upload-list li", "data-state") == "uploading"
    server.kill()
    await page.wait_for_selector("#upload-list li[data-state='failed'] button.retry:not([hidden])", timeout=30000)
    leftovers = plant_crash_leftovers(server)
    server.start()
    await cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                         "uploadThroughput": -1})
    await page.click("#upload-list li button.retry")
    await page.wait_for_selector("#upload-list li[data-state='done']", timeout=30000)
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0], keys
    assert stored_documents(server, keys[0]) == 1
    clerk = await reattach(clerk)
    clerks.append(clerk)
    final = await snapshot(clerk, ticket_id)
    assert sorted(d["name"] for d in final["documents"]) == ["Lageplan.png", "Mietvertrag.png", "Unterschrift.png"]
    for _ in range(100):  # the retention run at start removes what a crash left in the vault
        if not any(p.exists() for p in leftovers):
            break
        await asyncio.sleep(0.1)
    assert not any(p.exists() for p in leftovers)
    assert vault_files(server) == len(final["documents"])  # no file without its row, none twice
    await page_shows(page, chat, [*documents, "Lageplan.png"])
    assert not problems and not problems_new, (problems, problems_new)
