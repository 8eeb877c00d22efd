"""The citizen's session panel (chat, documents, form, signature, fee, certificate) in real Chromium.

The clerk side is a plain WebSocket client speaking docs/case.md, so these tests depend only on the
server and the page, not on the clerk app.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from playwright.async_api import Browser, Page, Route, WebSocketRoute

from tests.support.browser import wait_js
from tests.support.server import CLERK_PASSWORD, ServerProcess

pytestmark = pytest.mark.e2e

XSS_IMG = '<img src=x onerror="document.body.dataset.pwned=1">'
XSS_SCRIPT = "<script>document.body.dataset.pwned=2</script>"
IDENTITY = {"surname": "MUSTERMANN", "given_names": "ERIKA", "birth_date": "1983-08-12", "document_number": "L01X00T47",
            "expiry_date": "2031-10-31", "nationality": "D", "sex": "F", "document_type": "ID", "source": "mrz"}


def _field(msg: dict[str, Any], key: str) -> Any:
    """A message field; ``version`` means the form's version inside a ``form`` message."""
    if key == "version" and msg.get("type") == "form":
        return msg["form"]["version"]
    return msg.get(key)


class ClerkSocket:
    """A logged-in clerk on /api/v1/ws/clerk; keeps every message so tests can wait for one."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.session = aiohttp.ClientSession()
        self.messages: list[dict[str, Any]] = []
        self.token = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    async def open(self, username: str = "anna") -> ClerkSocket:
        async with self.session.post(f"{self.server.url}/api/v1/clerk/login",
                                     json={"username": username, "password": CLERK_PASSWORD}) as res:
            assert res.status == 200
            self.token = (await res.json())["token"]
        self._ws = await self.session.ws_connect(f"{self.server.url}/api/v1/ws/clerk")
        self._reader = asyncio.create_task(self._read())
        await self.send("hello", token=self.token)
        await self.wait("welcome")
        return self

    async def _read(self) -> None:
        assert self._ws is not None
        async for raw in self._ws:
            if raw.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(raw.data))
                self._arrived.set()

    async def send(self, mtype: str, **fields: Any) -> None:
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"v": 1, "type": mtype, **fields}))

    async def wait(self, mtype: str, timeout: float = 10.0, after: int = 0, **match: Any) -> dict[str, Any]:
        """The first message of ``mtype`` (from index ``after`` on) whose fields equal ``match``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for msg in self.messages[after:]:
                if msg.get("type") == mtype and all(_field(msg, k) == v for k, v in match.items()):
                    return msg
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                seen = [(m.get("type"), m.get("code")) for m in self.messages[after:]]
                before = [(m.get("type"), m.get("message")) for m in self.messages[:after]][-5:]
                raise AssertionError(f"no {mtype} {match} from the server after #{after}; got {seen}; before: {before}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)

    async def ticket_id(self, name: str) -> int:
        for _ in range(200):
            for msg in reversed(self.messages):
                if msg.get("type") == "queue":
                    for ticket in msg["tickets"]:
                        if ticket["name"] == name:
                            return int(ticket["id"])
            await asyncio.sleep(0.05)
        raise AssertionError(f"{name} is not in the line")

    async def get(self, path: str) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.get(f"{self.server.url}{path}", headers=headers) as res:
            return res.status, await res.read()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader
        await self.session.close()


@pytest.fixture
async def clerk(server: ServerProcess) -> AsyncIterator[ClerkSocket]:
    sock = await ClerkSocket(server).open()
    yield sock
    await sock.close()


class HeldBack:
    """Sits in the citizen page's WebSocket and holds back server messages of some types until released.

    That is how a real race looks from the page: the clerk already changed the form, the page does not
    know yet.
    """

    def __init__(self) -> None:
        self.types: set[str] = set()
        self.held: list[str] = []
        self._page: WebSocketRoute | None = None

    def attach(self, route: WebSocketRoute) -> None:
        self._page = route
        server_side = route.connect_to_server()
        server_side.on_message(self._from_server)

    def _from_server(self, message: str | bytes) -> None:
        assert self._page is not None
        if isinstance(message, str) and json.loads(message).get("type") in self.types:
            self.held.append(message)
        else:
            self._page.send(message)

    async def drop(self) -> None:
        """The connection breaks (a network change): the page sees its WebSocket closed and reconnects."""
        assert self._page is not None
        await self._page.close(code=1001, reason="going away")

    def release(self) -> None:
        assert self._page is not None
        self.types.clear()
        for message in self.held:
            self._page.send(message)
        self.held.clear()


async def citizen_in_call(browser: Browser, server: ServerProcess, clerk: ClerkSocket, name: str = "Erika Mustermann",
                          relay: HeldBack | None = None, **page_args: Any) -> tuple[Page, int]:
    """A citizen page called in by the clerk socket (the call itself stays unanswered: we test the panel)."""
    page = await browser.new_page(locale="de-DE", **page_args)
    if relay is not None:
        await page.route_web_socket("**/api/v1/ws/citizen", relay.attach)
    await page.goto(server.url + "/")
    await page.wait_for_selector("body[data-ready='1']")
    await page.fill("#name", name)
    await page.click("#submit")
    await page.wait_for_url("**/w/*")
    await page.wait_for_selector("body[data-ready='1']")
    ticket_id = await clerk.ticket_id(name)
    await clerk.send("call", ticket_id=ticket_id)
    await page.wait_for_selector("body[data-phase='call']")
    await page.wait_for_selector("#case:not([hidden])")
    return page, ticket_id


def csp_watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    return problems


def noise_png(path: Path, size: int = 700, seed: int = 1) -> Path:
    """A PNG that does not compress (≈ size² × 3 bytes), so an upload takes a while when throttled."""
    rnd = random.Random(seed)
    img = Image.frombytes("RGB", (size, size), bytes(rnd.getrandbits(8) for _ in range(size * size * 3)))
    img.save(path, format="PNG")
    return path


async def test_chat_both_ways_shows_clerk_html_as_text(server: ServerProcess, browser: Browser,
                                                       clerk: ClerkSocket) -> None:
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    problems = csp_watch(page)
    assert await page.get_attribute("#chat-log", "aria-live") == "polite"

    for text in (f"Guten Tag {XSS_IMG}", XSS_SCRIPT, "Zeile 1\nZeile 2"):
        await clerk.send("chat", ticket_id=ticket_id, text=text)
    await wait_js(page, "document.querySelectorAll('#chat-log li.theirs').length === 3")
    texts = await page.eval_on_selector_all("#chat-log li .text", "els => els.map(e => e.textContent)")
    assert texts == [f"Guten Tag {XSS_IMG}", XSS_SCRIPT, "Zeile 1\nZeile 2"]
    await asyncio.sleep(0.3)
    assert await page.evaluate("document.body.dataset.pwned") is None  # no handler, no script ran
    assert await page.evaluate("document.querySelectorAll('#case img, #case script').length") == 0
    meta = await page.inner_text("#chat-log li.theirs .meta")
    assert "Anna" in meta and ":" in meta  # sender and time

    # the citizen answers; Enter sends, the server echoes it to both sides
    await page.fill("#chat-input", "Hallo, ich habe eine Frage <b>fett</b>")
    await page.press("#chat-input", "Enter")
    msg = await clerk.wait("chat", **{"from": "citizen"})
    assert msg["text"] == "Hallo, ich habe eine Frage <b>fett</b>" and msg["ticket_id"] == ticket_id
    await wait_js(page, "document.querySelectorAll('#chat-log li.mine').length === 1")
    assert await page.inner_text("#chat-log li.mine .text") == "Hallo, ich habe eine Frage <b>fett</b>"
    assert await page.input_value("#chat-input") == ""

    # after a reconnect the history comes again with the case snapshot, and is shown once
    snapshots = int(await page.get_attribute("body", "data-case-snapshots") or 0)
    await page.evaluate("window.videoschalter.signaling.reconnectNow()")
    await wait_js(page, f"Number(document.body.dataset.caseSnapshots) > {snapshots}")
    assert await page.evaluate("document.querySelectorAll('#chat-log li').length") == 4

    # on another tab: a badge, and a live region outside the hidden chat reads the message out
    await page.click("#tab-docs")
    await clerk.send("chat", ticket_id=ticket_id, text=f"Noch da? {XSS_IMG}")
    await page.wait_for_selector("#tab-chat .count:not([hidden])")
    assert await page.inner_text("#tab-chat .count") == "1"
    assert await page.text_content("#case-announce") == f"Neue Nachricht von Anna: Noch da? {XSS_IMG}"
    await page.keyboard.press("ArrowLeft")  # the tabs follow the arrow keys
    await page.wait_for_selector("#tab-chat[aria-selected='true']")
    assert await page.evaluate("document.activeElement.id") == "tab-chat"
    assert await page.is_hidden("#tab-chat .count")
    assert await page.evaluate("document.body.dataset.pwned") is None
    assert not problems, problems


async def test_upload_with_progress_retry_and_refusal(server: ServerProcess, browser: Browser, clerk: ClerkSocket,
                                                      tmp_path: Path) -> None:
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    problems = csp_watch(page)
    await page.click("#tab-docs")

    # 1. a slow upload shows its progress
    big = noise_png(tmp_path / "Lageplan groß.png", size=700)
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                         "uploadThroughput": 400_000})
    await page.set_input_files("#doc-file", str(big))
    await wait_js(page, "document.querySelector('#upload-list li')?.dataset.state === 'done'", timeout=30)
    events = int(await page.get_attribute("#upload-list li", "data-progress-events") or 0)
    assert events >= 2, events
    assert await page.evaluate("document.querySelector('#upload-list progress').value") == 100
    await cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                         "uploadThroughput": -1})
    await wait_js(page, "document.querySelectorAll('#doc-list li').length === 1")
    assert await page.inner_text("#doc-list li .name") == "Lageplan groß.png"
    doc = await clerk.wait("document", ticket_id=ticket_id)
    assert doc["name"] == "Lageplan groß.png" and doc["from"] == "citizen"

    # 2. the answer is lost on the way back: the server has the file, the page sees a network error
    small = noise_png(tmp_path / "ausweis.png", size=120, seed=2)
    keys: list[str] = []

    async def lose_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            await route.fetch()  # reaches the server, which stores the document
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/api/v1/case/documents", lose_first_answer)
    await page.evaluate("document.getElementById('upload-list').replaceChildren()")
    await page.set_input_files("#doc-file", str(small))
    await page.wait_for_selector("#upload-list li[data-state='failed'] button.retry:not([hidden])")
    assert "Verbindung" in await page.inner_text("#upload-list li [role=status]")
    await page.click("#upload-list li button.retry")
    await page.wait_for_selector("#upload-list li[data-state='done']")
    await page.unroute("**/api/v1/case/documents")
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    await wait_js(page, "document.querySelectorAll('#doc-list li').length === 2")
    mark = len(clerk.messages)
    await clerk.send("case_open", ticket_id=ticket_id)
    snapshot = (await clerk.wait("case", ticket_id=ticket_id, after=mark))["case"]
    assert sorted(d["name"] for d in snapshot["documents"]) == ["Lageplan groß.png", "ausweis.png"]  # no duplicate

    # 3. not a PDF/JPEG/PNG by content: the server's German message, no retry offered
    fake = tmp_path / "rechnung.pdf"
    fake.write_bytes(b"MZ\x90\x00 this is no pdf at all" * 20)
    await page.evaluate("document.getElementById('upload-list').replaceChildren()")
    await page.set_input_files("#doc-file", str(fake))
    await page.wait_for_selector("#upload-list li[data-state='failed']")
    assert await page.is_hidden("#upload-list li button.retry")
    error = await page.inner_text("#upload-list li [role=status]")
    assert error and "PDF" in error, error

    # 4. too large (the test config keeps the default 10 MB): refused before the body is read
    huge = tmp_path / "scan.pdf"
    huge.write_bytes(b"%PDF-1.4\n" + bytes(11 * 1024 * 1024))
    await page.evaluate("document.getElementById('upload-list').replaceChildren()")
    await page.set_input_files("#doc-file", str(huge))
    await page.wait_for_selector("#upload-list li[data-state='failed']", timeout=30000)
    error = await page.inner_text("#upload-list li [role=status]")
    assert "10" in error and await page.is_hidden("#upload-list li button.retry"), error

    # 5. downloading an own document goes through fetch with the token, not a URL with it
    async with page.expect_download() as info:
        await page.click("#doc-list li:first-child button")
    download = await info.value
    assert download.suggested_filename == "Lageplan groß.png"
    data = Path(await download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert not problems, problems


async def fill_form(clerk: ClerkSocket, ticket_id: int) -> dict[str, Any]:
    """Identity from the MRZ, the Meldebescheinigung opened and completed by the clerk; returns the clerk's form."""
    start = len(clerk.messages)
    await clerk.send("case_identity", ticket_id=ticket_id, identity=IDENTITY)
    await clerk.send("form_open", ticket_id=ticket_id, form="meldebescheinigung")
    form = (await clerk.wait("form", ticket_id=ticket_id, after=start))["form"]
    for field_id in form.get("needs_check", {}):
        await clerk.send("form_check", ticket_id=ticket_id, field=field_id)
    values = {"document_valid_until": "2031-10-31",
              "current_address": {"street": "Hauptstraße", "house_number": "1", "postcode": "12345",
                                  "town": "Teststadt"},
              "moved_in": "2019-04-01", "dwelling": "alleinige Wohnung", "delivery": "pickup", "truthful": True}
    fields = {f["id"] for section in form["definition"]["sections"] for f in section["fields"]}
    for field_id, value in values.items():
        if field_id not in fields or form["values"].get(field_id) == value:
            continue  # already prefilled from the MRZ: no new version
        mark = len(clerk.messages)
        await clerk.send("form_set", ticket_id=ticket_id, field=field_id, value=value, version=form["version"])
        form = (await clerk.wait("form", ticket_id=ticket_id, after=mark, version=form["version"] + 1))["form"]
    assert not [e for e in form["errors"] if e["field"] != "signature"], form["errors"]
    return form


async def test_form_in_arabic_confirm_and_stale_version(server: ServerProcess, browser: Browser,
                                                        clerk: ClerkSocket) -> None:
    relay = HeldBack()
    page, ticket_id = await citizen_in_call(browser, server, clerk, relay=relay)
    form = await fill_form(clerk, ticket_id)
    await page.wait_for_selector("#tab-form:not([hidden])")
    await page.click("#tab-form")
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    assert "Meldebescheinigung" in await page.inner_text("#form-view h3")
    assert "mustermann" in (await page.inner_text("#form-view")).lower()  # read-only: the clerk's, from the ID
    street = "#form-view [data-field='current_address'][data-part='street']"
    assert await page.input_value(street) == "Hauptstraße"  # the citizen's own: an input

    await page.select_option("#form-lang", "ar")
    await page.wait_for_selector("#form-view[dir='rtl'][lang='ar']")
    assert "اسم العائلة" in await page.inner_text("#form-view")  # "Familienname"
    assert await page.evaluate("getComputedStyle(document.getElementById('form-view')).direction") == "rtl"
    assert await page.evaluate("document.documentElement.dir") == "ltr"  # only the form turns, the page stays

    # the clerk changes a field while the news is still on its way to the citizen's page
    relay.types.add("form")
    mark = len(clerk.messages)
    await clerk.send("form_set", ticket_id=ticket_id, field="purpose", value="Wohnungsgeberbestätigung",
                     version=form["version"])
    form = (await clerk.wait("form", ticket_id=ticket_id, after=mark, version=form["version"] + 1))["form"]
    await page.click("#form-confirm")  # what the citizen saw is one version behind: refused
    await page.wait_for_selector("#form-msg[data-code='stale_version']")
    assert "geändert" in await page.inner_text("#form-msg")
    assert await page.input_value("#form-view [data-field='purpose']") == ""

    relay.release()  # the new version arrives, the citizen reads it and confirms that one
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    assert await page.input_value("#form-view [data-field='purpose']") == "Wohnungsgeberbestätigung"
    assert await page.get_attribute("#form-view", "dir") == "rtl"
    mark = len(clerk.messages)
    await page.click("#form-confirm")
    confirmed = (await clerk.wait("form", ticket_id=ticket_id, after=mark, timeout=10))["form"]
    assert confirmed["confirmed"] and confirmed["version"] == form["version"]
    await page.wait_for_selector("#form-msg[data-code='confirmed']")
    assert await page.is_disabled("#form-confirm")

    # a required value goes missing: nothing to confirm, the reason stands at the field, in Arabic
    await clerk.send("form_set", ticket_id=ticket_id, field="delivery", value=None, version=form["version"])
    await page.wait_for_selector("#form-msg[data-code='incomplete']")
    assert await page.is_disabled("#form-confirm")
    assert await page.inner_text("#form-view dd[data-row='delivery'] .field-error")  # the server's text


async def draw(page: Page, points: list[tuple[float, float]]) -> None:
    box = await page.locator("#sig-pad").bounding_box()
    assert box is not None
    x0, y0 = box["x"], box["y"]
    await page.mouse.move(x0 + points[0][0] * box["width"], y0 + points[0][1] * box["height"])
    await page.mouse.down()
    for x, y in points[1:]:
        await page.mouse.move(x0 + x * box["width"], y0 + y * box["height"], steps=3)
    await page.mouse.up()


PEN_STROKE = """(() => {
  const c = document.getElementById('sig-pad'); const r = c.getBoundingClientRect();
  const ev = (type, i, pressure) => c.dispatchEvent(new PointerEvent(type, { pointerId: 7, pointerType: 'pen',
    isPrimary: true, bubbles: true, cancelable: true, button: type === 'pointermove' ? -1 : 0,
    buttons: type === 'pointerup' ? 0 : 1,
    pressure, clientX: r.left + r.width * (0.2 + i * 0.05), clientY: r.top + r.height * (0.3 + (i % 2) * 0.2) }));
  ev('pointerdown', 0, 0.3);
  for (let i = 1; i < 10; i++) ev('pointermove', i, 0.3 + i * 0.05);
  ev('pointerup', 10, 0);
})()"""


async def test_signature_drawn_in_the_browser_arrives(server: ServerProcess, browser: Browser,
                                                      clerk: ClerkSocket) -> None:
    relay = HeldBack()
    page, ticket_id = await citizen_in_call(browser, server, clerk, relay=relay)
    form = await fill_form(clerk, ticket_id)
    await page.wait_for_selector("#tab-form:not([hidden])")
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    await page.click("#tab-form")
    await page.click("#form-confirm")
    await page.wait_for_selector("#form-msg[data-code='confirmed']")

    posted: list[dict[str, Any]] = []
    page.on("request", lambda r: posted.append(r.post_data_json) if r.url.endswith("/case/signature") else None)
    mark = len(clerk.messages)
    await clerk.send("sign_request", ticket_id=ticket_id)
    await page.wait_for_selector("#tab-sign[aria-selected='true']")
    await page.wait_for_selector("#sig-pad[data-state='requested']")
    assert await page.evaluate("getComputedStyle(document.getElementById('sig-pad')).touchAction") == "none"

    await page.click("#sig-submit")  # nothing drawn yet
    assert "unterschreiben" in await page.inner_text("#sig-msg")
    await draw(page, [(0.1, 0.6), (0.2, 0.3), (0.3, 0.7), (0.4, 0.35), (0.5, 0.65)])
    await page.evaluate(PEN_STROKE)
    assert await page.get_attribute("#sig-pad", "data-strokes") == "2"
    # something was drawn on the high-DPI bitmap
    assert await page.evaluate("""(() => { const c = document.getElementById('sig-pad');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 200) n++; return n; })()""") > 100
    await page.click("#sig-submit")
    sig = await clerk.wait("signature", ticket_id=ticket_id, after=mark)
    await page.wait_for_selector("#sig-pad[data-state='signed']")
    assert "Danke" in await page.inner_text("#sig-msg")

    body = posted[0]
    assert body["document_hash"] == sig["document_hash"] == form["document_hash"]
    mouse, pen = body["strokes"]
    assert len(mouse) >= 5 and all(len(p) == 4 for p in mouse)
    assert {p[3] for p in mouse} == {0.5}  # a mouse presses with 0.5
    assert [p[3] for p in pen][:3] == [0.3, 0.35, 0.4]  # the pen's pressure is kept
    assert body["width"] > 100 and body["height"] > 40
    assert all(0 <= p[0] <= body["width"] and 0 <= p[1] <= body["height"] for s in body["strokes"] for p in s)
    assert [p[2] for p in mouse] == sorted(p[2] for p in mouse)  # time goes forward


async def test_fee_certificate_and_shown_document(server: ServerProcess, browser: Browser, clerk: ClerkSocket,
                                                  tmp_path: Path) -> None:
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    await clerk.send("case_service", ticket_id=ticket_id, service="meldebescheinigung")  # a walk-in: 5 € fee
    form = await fill_form(clerk, ticket_id)
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    await page.click("#tab-form")
    await page.click("#form-confirm")
    await page.wait_for_selector("#form-msg[data-code='confirmed']")
    await clerk.send("sign_request", ticket_id=ticket_id)
    await page.wait_for_selector("#sig-pad[data-state='requested']")
    await draw(page, [(0.1, 0.5), (0.3, 0.3), (0.5, 0.6), (0.7, 0.4)])
    await page.click("#sig-submit")
    await page.wait_for_selector("#sig-pad[data-state='signed']")

    mark = len(clerk.messages)
    await clerk.send("pay_request", ticket_id=ticket_id)
    payment = await clerk.wait("payment", ticket_id=ticket_id, after=mark)
    await page.wait_for_selector("#tab-pay[aria-selected='true']")
    assert await page.inner_text("#pay-amount") == "5,00\u00a0€"
    if payment.get("sandbox"):
        assert "Testmodus" in await page.inner_text("#pay-sandbox")
    assert await page.get_attribute("body", "data-payment") == "open"
    href = await page.get_attribute("#pay-link", "href")
    assert href and "token" not in href.lower()

    # pay on the sandbox page in a second tab; the panel follows live
    async with page.context.expect_page() as info:
        await page.click("#pay-link")
    pay_page = await info.value
    await pay_page.wait_for_load_state()
    assert "Testmodus" in await pay_page.inner_text("body")
    await pay_page.click("button[type=submit], input[type=submit] >> nth=0")
    await page.wait_for_selector("body[data-payment='paid']", timeout=15000)
    assert "Bezahlt" in await page.inner_text("#pay-state")
    assert await page.is_hidden("#pay-link")

    # confirmed, signed, paid: the clerk issues the certificate, the citizen downloads it
    mark = len(clerk.messages)
    await clerk.send("issue", ticket_id=ticket_id)
    issued = await clerk.wait("issued", ticket_id=ticket_id, after=mark, timeout=30)
    await page.wait_for_selector("#tab-cert[aria-selected='true']")
    verify = await page.get_attribute("#cert-verify", "href")
    assert verify and verify.endswith(f"/verify/{issued['document_id']}")
    async with page.expect_download() as info:
        await page.click("#cert-download")
    pdf = Path(await (await info.value).path()).read_bytes()
    assert pdf.startswith(b"%PDF")

    # the clerk shows a picture (e.g. a site plan) large on the citizen's screen
    png = io.BytesIO()
    Image.new("RGB", (400, 300), (20, 120, 40)).save(png, format="PNG")
    async with clerk.session.post(f"{server.url}/api/v1/clerk/cases/{ticket_id}/documents", data=png.getvalue(),
                                  headers={"Authorization": f"Bearer {clerk.token}", "X-Filename": "Lageplan.png",
                                           "Content-Type": "image/png"}) as res:
        assert res.status == 201, await res.text()
        shared = (await res.json())["document"]
    await page.wait_for_selector(f"#doc-list li[data-id='{shared['id']}']", state="attached")
    await page.wait_for_selector("#doc-list li[data-kind='receipt']", state="attached")  # the Zahlungsbeleg
    assert int(await page.inner_text("#tab-docs .count")) >= 2  # new for the citizen: the badge says so
    await clerk.send("show", ticket_id=ticket_id, document_id=str(shared["id"]))
    await page.wait_for_selector("#shown:not([hidden])")
    await wait_js(page, "document.getElementById('shown-img').naturalWidth === 400")
    await page.click("#shown-zoom-in")
    assert await page.get_attribute("#shown-img", "data-zoom") == "2"
    await clerk.send("show", ticket_id=ticket_id, document_id=None)
    await page.wait_for_selector("#shown", state="hidden")

    # after the call the certificate stays on the page and can still be downloaded
    call_id = (await clerk.wait("call_started"))["call_id"]
    await clerk.send("hangup", call_id=call_id)
    await page.wait_for_selector("body[data-phase='ended']")
    assert await page.is_visible("#case") and await page.is_disabled("#chat-input")
    async with page.expect_download() as info:
        await page.click("#cert-download")
    assert Path(await (await info.value).path()).read_bytes() == pdf


async def test_upload_a_pdf_in_the_waiting_room(server: ServerProcess, browser: Browser, clerk: ClerkSocket,
                                                tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "Mietvertrag.pdf"
    doc = canvas.Canvas(str(pdf))
    doc.drawString(72, 720, "Mietvertrag – Seite 1")
    doc.save()
    page = await browser.new_page(locale="de-DE")
    await page.goto(server.url + "/")
    await page.wait_for_selector("body[data-ready='1']")
    await page.fill("#name", "Wartende Person")
    await page.click("#submit")
    await page.wait_for_selector("body[data-ready='1'][data-phase='waiting']")
    assert await page.is_visible("#case")
    await page.click("#tab-docs")
    await page.set_input_files("#doc-file", str(pdf))
    await page.wait_for_selector("#upload-list li[data-state='done']")
    await page.wait_for_selector("#doc-list li[data-from='citizen']")
    assert await page.inner_text("#doc-list li .name") == "Mietvertrag.pdf"

    # the clerk calls the ticket in and finds the document in the case
    ticket_id = await clerk.ticket_id("Wartende Person")
    mark = len(clerk.messages)
    await clerk.send("call", ticket_id=ticket_id)
    case = (await clerk.wait("case", ticket_id=ticket_id, after=mark))["case"]
    assert [(d["name"], d["mime"]) for d in case["documents"]] == [("Mietvertrag.pdf", "application/pdf")]
    await page.wait_for_selector("body[data-phase='call']")
    assert await page.evaluate("document.querySelectorAll('#doc-list li').length") == 1  # no duplicate


async def test_a_signature_for_a_changed_form_is_refused(server: ServerProcess, browser: Browser,
                                                         clerk: ClerkSocket) -> None:
    relay = HeldBack()
    page, ticket_id = await citizen_in_call(browser, server, clerk, relay=relay)
    form = await fill_form(clerk, ticket_id)
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    await page.click("#tab-form")
    await page.click("#form-confirm")
    await page.wait_for_selector("#form-msg[data-code='confirmed']")
    await clerk.send("sign_request", ticket_id=ticket_id)
    await page.wait_for_selector("#sig-pad[data-state='requested']")

    # the clerk changes the form; the page has not heard of it when the citizen signs
    relay.types.add("form")
    mark = len(clerk.messages)
    await clerk.send("form_set", ticket_id=ticket_id, field="purpose", value="Bank", version=form["version"])
    await clerk.wait("form", ticket_id=ticket_id, after=mark, version=form["version"] + 1)
    await draw(page, [(0.1, 0.5), (0.3, 0.3), (0.5, 0.6)])
    await page.click("#sig-submit")
    await page.wait_for_selector("#sig-pad[data-state='refused']")
    assert await page.is_disabled("#sig-submit")
    assert await page.inner_text("#sig-msg")  # the server's reason, in German
    assert not [m for m in clerk.messages[mark:] if m["type"] == "signature"]

    relay.release()  # the new version arrives: the citizen is asked to confirm again
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version'] + 1}'")
    assert not await page.is_disabled("#form-confirm")


async def touch_stroke(page: Page, points: list[tuple[float, float]], selector: str = "#sig-pad") -> None:
    """A finger on the touch screen (real touch events through the DevTools protocol)."""
    box = await page.locator(selector).bounding_box()
    assert box is not None
    cdp = await page.context.new_cdp_session(page)
    at = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"], "id": 1} for x, y in points]
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at[0]]})
    for point in at[1:]:
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


async def test_panel_on_a_360px_phone_signs_with_a_finger(server: ServerProcess, browser: Browser,
                                                          clerk: ClerkSocket) -> None:
    page, ticket_id = await citizen_in_call(browser, server, clerk, viewport={"width": 360, "height": 740},
                                            has_touch=True, is_mobile=True, device_scale_factor=3)
    form = await fill_form(clerk, ticket_id)
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    await page.tap("#tab-form")
    await page.tap("#form-confirm")
    await page.wait_for_selector("#form-msg[data-code='confirmed']")
    await clerk.send("sign_request", ticket_id=ticket_id)
    await page.wait_for_selector("#sig-pad[data-state='requested']")
    # nothing sticks out sideways, the signature box uses the screen's pixels
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await wait_js(page, "(c => c.clientWidth > 250 && Math.abs(c.width - 3 * c.clientWidth) <= 3)"
                        "(document.getElementById('sig-pad'))")
    await page.locator("#sig-pad").scroll_into_view_if_needed()
    scroll = await page.evaluate("window.scrollY")
    await touch_stroke(page, [(0.1 + i * 0.08, 0.4 + (i % 3) * 0.1) for i in range(10)])
    assert await page.evaluate("window.scrollY") == scroll  # touch-action: none, the page did not move
    assert await page.get_attribute("#sig-pad", "data-strokes") == "1"
    # Chromium's gesture detector takes a tap within ~1 s of a drag as part of that gesture (a finger
    # needs longer than that to reach the button anyway)
    await asyncio.sleep(1.2)
    await touch_stroke(page, [(0.5, 0.5)], "#sig-submit")  # a tap, through the same touch screen
    await clerk.wait("signature", ticket_id=ticket_id)
    await page.wait_for_selector("#sig-pad[data-state='signed']")


async def open_checked_form(clerk: ClerkSocket, ticket_id: int) -> dict[str, Any]:
    """The clerk takes the identity from the MRZ, opens the Meldebescheinigung and checks the prefilled values."""
    start = len(clerk.messages)
    await clerk.send("case_identity", ticket_id=ticket_id, identity=IDENTITY)
    await clerk.send("form_open", ticket_id=ticket_id, form="meldebescheinigung")
    form = (await clerk.wait("form", ticket_id=ticket_id, after=start))["form"]
    for field_id in form.get("needs_check", {}):
        await clerk.send("form_check", ticket_id=ticket_id, field=field_id)
    for _ in range(200):
        form = clerk_form(clerk, ticket_id, start)
        if not form.get("needs_check"):
            return form
        await asyncio.sleep(0.05)
    raise AssertionError(f"still to check: {form.get('needs_check')}")


def clerk_form(clerk: ClerkSocket, ticket_id: int, after: int = 0) -> dict[str, Any]:
    """The newest form the clerk socket has received."""
    forms = [m["form"] for m in clerk.messages[after:] if m.get("type") == "form" and m.get("ticket_id") == ticket_id]
    return forms[-1] if forms else {}


async def until_clerk_sees(clerk: ClerkSocket, ticket_id: int, want: dict[str, Any],
                           timeout: float = 15) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        form = clerk_form(clerk, ticket_id)
        if all(form.get("values", {}).get(k) == v for k, v in want.items()):
            return form
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the clerk never saw {want}; last values {form.get('values')}")
        await asyncio.sleep(0.05)


V = "#form-view "


async def test_citizen_fills_in_address_date_choices_and_declaration(server: ServerProcess, browser: Browser,
                                                                     clerk: ClerkSocket) -> None:
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    problems = csp_watch(page)
    form = await open_checked_form(clerk, ticket_id)
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    await page.click("#tab-form")
    # the identity stays read-only for the citizen, what only they know are inputs
    assert await page.locator(f"{V}[data-field='surname']").evaluate("e => e.tagName") == "DD"
    assert await page.locator(f"{V}input[data-field='surname'], {V}select[data-field='surname']").count() == 0
    assert await page.locator(f"{V}[data-field='signature']").evaluate("e => e.tagName") == "DD"
    assert await page.get_attribute(f"{V}[data-field='moved_in']", "type") == "date"
    assert await page.is_disabled("#form-confirm")

    # a postcode with four digits: the server's message stands under that part
    await page.fill(f"{V}[data-field='current_address'][data-part='street']", "Hauptstraße")
    await page.fill(f"{V}[data-field='current_address'][data-part='postcode']", "1234")
    await page.locator(f"{V}[data-field='current_address'][data-part='postcode']").blur()
    await page.wait_for_selector(f"{V}[data-part='postcode'][aria-invalid='true']")
    assert await page.inner_text(f"{V}label:has([data-part='postcode']) .field-error")
    await until_clerk_sees(clerk, ticket_id, {"current_address": {"street": "Hauptstraße", "postcode": "1234"}})

    for part, value in (("house_number", "12a"), ("postcode", "50667"), ("town", "Köln")):
        await page.fill(f"{V}[data-field='current_address'][data-part='{part}']", value)
    await page.locator(f"{V}[data-field='current_address'][data-part='town']").blur()
    await page.fill(f"{V}[data-field='moved_in']", "2019-04-01")
    await page.select_option(f"{V}[data-field='dwelling']", "Hauptwohnung")
    await page.select_option(f"{V}[data-field='delivery']", "download")
    await page.check(f"{V}[data-field='truthful']")
    want = {"current_address": {"street": "Hauptstraße", "house_number": "12a", "postcode": "50667", "town": "Köln"},
            "moved_in": "2019-04-01", "dwelling": "Hauptwohnung", "delivery": "download", "truthful": True}
    form = await until_clerk_sees(clerk, ticket_id, want)
    assert [e for e in form["errors"] if e["field"] != "signature"] == []
    await wait_js(page, "!document.getElementById('form-confirm').disabled")
    assert await page.locator(f"{V}[aria-invalid='true']").count() == 0

    # the citizen is typing when the clerk changes another field: the text and the cursor stay
    await page.click(f"{V}[data-field='purpose']")
    await page.keyboard.type("Für die Ba")
    version = int(await page.get_attribute("body", "data-form-version") or 0)
    await clerk.send("form_set", ticket_id=ticket_id, field="document_valid_until", value="2032-01-31",
                     version=clerk_form(clerk, ticket_id)["version"])
    await wait_js(page, f"Number(document.body.dataset.formVersion) > {version}")
    assert await page.input_value(f"{V}[data-field='purpose']") == "Für die Ba"
    assert await page.evaluate("document.activeElement.dataset.field") == "purpose"
    await page.keyboard.type("nk")
    await page.keyboard.press("Tab")
    await until_clerk_sees(clerk, ticket_id, {"purpose": "Für die Bank", "document_valid_until": "2032-01-31"})

    # in Arabic the labels and options turn, the values stay
    await page.select_option("#form-lang", "ar")
    await page.wait_for_selector("#form-view[dir='rtl'][lang='ar']")
    assert "السكن الرئيسي" in await page.inner_text(f"{V}[data-field='dwelling'] option:checked")
    assert await page.input_value(f"{V}[data-field='current_address'][data-part='town']") == "Köln"
    assert await page.is_checked(f"{V}[data-field='truthful']")

    await page.click("#form-confirm")
    await page.wait_for_selector("#form-msg[data-code='confirmed']")
    assert not problems, problems


async def test_a_stale_edit_is_sent_again_unless_the_clerk_changed_that_field(server: ServerProcess, browser: Browser,
                                                                              clerk: ClerkSocket) -> None:
    relay = HeldBack()
    page, ticket_id = await citizen_in_call(browser, server, clerk, relay=relay)
    form = await open_checked_form(clerk, ticket_id)
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    await page.click("#tab-form")

    # the clerk fills in the purpose; the page has not heard of it when the citizen enters the date
    relay.types.add("form")
    mark = len(clerk.messages)
    await clerk.send("form_set", ticket_id=ticket_id, field="purpose", value="Bank", version=form["version"])
    await clerk.wait("form", ticket_id=ticket_id, after=mark, version=form["version"] + 1)
    await page.fill(f"{V}[data-field='moved_in']", "2019-04-01")
    await wait_js(page, "document.getElementById('form-view').dataset.pending === '1'")
    await asyncio.sleep(0.3)  # the refusal (not held back) reaches the page
    relay.release()
    form = await until_clerk_sees(clerk, ticket_id, {"purpose": "Bank", "moved_in": "2019-04-01"})
    assert form["version"] == clerk_form(clerk, ticket_id)["version"]
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    assert await page.input_value(f"{V}[data-field='moved_in']") == "2019-04-01"
    assert await page.is_hidden("#form-msg[data-code='conflict']")

    # now the clerk changes the very field the citizen is choosing: the clerk's value stays, the page says so
    relay.types.add("form")
    mark = len(clerk.messages)
    await clerk.send("form_set", ticket_id=ticket_id, field="dwelling", value="Nebenwohnung", version=form["version"])
    await clerk.wait("form", ticket_id=ticket_id, after=mark, version=form["version"] + 1)
    await page.select_option(f"{V}[data-field='dwelling']", "Hauptwohnung")
    await asyncio.sleep(0.3)
    relay.release()
    await page.wait_for_selector("#form-msg[data-code='conflict']")
    message = await page.inner_text("#form-msg")
    assert "Art der Wohnung" in message and "Hauptwohnung" in message, message
    assert await page.input_value(f"{V}[data-field='dwelling']") == "Nebenwohnung"
    await asyncio.sleep(0.3)
    assert clerk_form(clerk, ticket_id)["values"]["dwelling"] == "Nebenwohnung"
    assert not [m for m in clerk.messages[mark:] if m.get("type") == "form"
                and m["form"]["values"].get("dwelling") == "Hauptwohnung"]


async def test_a_page_that_reconnects_after_the_sign_request_shows_the_pad(server: ServerProcess, browser: Browser,
                                                                           clerk: ClerkSocket) -> None:
    relay = HeldBack()
    page, ticket_id = await citizen_in_call(browser, server, clerk, relay=relay)
    form = await fill_form(clerk, ticket_id)
    await wait_js(page, f"document.body.dataset.formVersion === '{form['version']}'")
    await page.click("#tab-form")
    await page.click("#form-confirm")
    await page.wait_for_selector("#form-msg[data-code='confirmed']")

    # the request is lost with the connection: the page never hears of it live
    relay.types.add("sign_request")
    mark = len(clerk.messages)
    await clerk.send("sign_request", ticket_id=ticket_id)
    await clerk.wait("sign_request", ticket_id=ticket_id, after=mark)
    await asyncio.sleep(0.3)
    assert await page.get_attribute("#sig-pad", "data-state") != "requested"
    assert await page.is_hidden("#tab-sign")
    relay.types.clear()
    relay.held.clear()
    snapshots = int(await page.get_attribute("body", "data-case-snapshots") or 0)
    await relay.drop()
    await wait_js(page, f"Number(document.body.dataset.caseSnapshots) > {snapshots}")  # reconnected by itself
    await page.wait_for_selector("#sig-pad[data-state='requested']")  # visible: the sign tab came up
    assert await page.get_attribute("#tab-sign", "aria-selected") == "true"
    assert await page.get_attribute("body", "data-phase") == "call"
    snapshots = int(await page.get_attribute("body", "data-case-snapshots") or 0)
    await page.click("#tab-form")  # another reconnect: the known request does not pull the tab again
    await relay.drop()
    await wait_js(page, f"Number(document.body.dataset.caseSnapshots) > {snapshots}")
    assert await page.get_attribute("#tab-form", "aria-selected") == "true"

    await page.click("#tab-sign")
    await draw(page, [(0.1, 0.5), (0.3, 0.3), (0.5, 0.6), (0.7, 0.4)])
    await page.click("#sig-submit")
    signature = await clerk.wait("signature", ticket_id=ticket_id, after=mark)
    assert signature["document_hash"] == form["document_hash"]
    await page.wait_for_selector("#sig-pad[data-state='signed']")


async def test_the_landlord_confirmation_is_chosen_from_the_citizens_uploads(
        server: ServerProcess, browser: Browser, clerk: ClerkSocket, tmp_path: Path) -> None:
    """Anmeldung: the form's document field takes one of the citizen's uploads (name, type, size, hash)."""
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "Wohnungsgeberbestaetigung.pdf"
    doc = canvas.Canvas(str(pdf))
    doc.drawString(72, 720, "Wohnungsgeberbestätigung")
    doc.save()
    page, ticket_id = await citizen_in_call(browser, server, clerk)
    mark = len(clerk.messages)
    await clerk.send("form_open", ticket_id=ticket_id, form="anmeldung")
    await clerk.wait("form", ticket_id=ticket_id, after=mark)
    await page.click("#tab-form")
    choice = "#form-view select[data-field='landlord_confirmation']"
    await page.wait_for_selector(choice)
    assert await page.locator(f"{choice} option").count() == 1  # nothing uploaded yet: only "—"
    assert "Dokumente" in await page.inner_text("#form-view dd[data-row='landlord_confirmation']")

    await page.click("#tab-docs")
    await page.set_input_files("#doc-file", str(pdf))
    uploaded = await clerk.wait("document", ticket_id=ticket_id, after=mark, kind="upload")
    await page.click("#tab-form")
    await page.wait_for_selector(f"{choice} option[value='{uploaded['id']}']", state="attached")
    mark = len(clerk.messages)
    await page.select_option(choice, str(uploaded["id"]))
    form = (await clerk.wait("form", ticket_id=ticket_id, after=mark, timeout=15))["form"]
    while not form["values"].get("landlord_confirmation"):
        mark = len(clerk.messages)
        form = (await clerk.wait("form", ticket_id=ticket_id, after=mark, timeout=15))["form"]
    value = form["values"]["landlord_confirmation"]
    assert value == [{"name": "Wohnungsgeberbestaetigung.pdf", "media_type": "application/pdf",
                      "size": pdf.stat().st_size, "sha256": uploaded["sha256"]}]
    assert not [e for e in form.get("errors", []) if e["field"] == "landlord_confirmation"]
    # the choice stays selected when the form is drawn again
    assert await page.eval_on_selector(choice, "s => s.value") == str(uploaded["id"])
