"""The whole Behördengang, scripted: book → wait → call → MRZ → form → signature → fee → certificate.

One function drives it with the real parts (the server process, Chromium as the citizen with the ID card
in front of its fake camera, the clerk app's controller with its call code and MRZ reader), so the
end-to-end test and ``bench/case.py`` run exactly the same story. It records what the benchmark
reports: the clerk's actions as the clerk app counts them, identity fields typed by the clerk, and the
time people wait for the system (page loads, round trips, issuing the certificate).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import Browser, Page

from clerk_app.controller import ClerkController
from hardware.camera import LocalVideo
from tests.support.browser import wait_js
from tests.support.server import CLERK_PASSWORD, TEST_CONFIG, ServerProcess
from tests.support.waiting import wait_for

T = TypeVar("T")

# Booking close to now and entering the waiting room at once: the story runs whenever the test does.
STORY_CONFIG = TEST_CONFIG.replace(
    "[booking]\n", "[booking]\nmin_lead_minutes = 0\nearly_arrival_minutes = 120\n")
assert STORY_CONFIG != TEST_CONFIG

CITIZEN_FIELDS = {  # what the citizen types on their own page (not identity data: that comes from the card)
    ("current_address", "street"): "Hauptstraße",
    ("current_address", "house_number"): "12",
    ("current_address", "postcode"): "50667",
    ("current_address", "town"): "Köln",
}


@dataclass
class StoryResult:
    clerk_actions: dict[str, int]
    typed_identity_fields: int
    waits: dict[str, float] = field(default_factory=dict)  # what people waited for, seconds
    id_read_s: float = 0.0  # call-in → stable MRZ read (the citizen holds the card up meanwhile)
    total_s: float = 0.0
    identity: dict[str, Any] = field(default_factory=dict)
    certificate: bytes = b""
    document_id: str = ""
    link: str = ""  # the citizen's personal link (/w/<token>), for looking again after the call

    @property
    def wait_s(self) -> float:
        return sum(self.waits.values())


class Stopwatch:
    def __init__(self) -> None:
        self.waits: dict[str, float] = {}

    async def time(self, name: str, step: Callable[[], Awaitable[T]]) -> T:
        start = time.perf_counter()
        result = await step()
        self.waits[name] = self.waits.get(name, 0.0) + time.perf_counter() - start
        return result


def prepare_server(data: Path) -> ServerProcess:
    server = ServerProcess(data)
    server.data.mkdir(parents=True, exist_ok=True)
    (server.data / "videoschalter.toml").write_text(STORY_CONFIG.format(grace=3.0, joins=10), "utf-8")
    server.add_clerk("anna")
    return server


async def book(page: Page, server: ServerProcess, watch: Stopwatch) -> str:
    """The citizen books today's next free slot in the browser; returns the personal link."""
    async def load() -> None:
        await page.goto(server.url + "/termine?service=meldebescheinigung")
        await page.wait_for_selector("body[data-ready='1']")
    await watch.time("booking page", load)
    await page.click("#days .chip >> nth=0")
    await page.wait_for_selector("#slots .chip")
    await page.click("#slots .chip >> nth=0")
    await page.fill("#name", "Erika Mustermann")
    await page.fill("#email", "erika@example.org")

    async def submit() -> None:
        await page.click("#submit")
        await page.wait_for_selector("body[data-booked]")
    await watch.time("booking confirmed", submit)
    link = await page.get_attribute("body", "data-booked")
    assert link and link.startswith("/termin/")
    return link.removeprefix("/termin/")


def jump_to_the_appointment(data: Path) -> None:
    """The day has come: move the one booked slot so that it began a minute ago.

    Slots lie on the service's grid (15 minutes here) and the waiting room lets a booked citizen into
    the line from the slot's start, so without this the story would wait up to 15 minutes for the clock.
    """
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=1)
    fmt = "%Y-%m-%dT%H:%M:%S.000+00:00"
    with sqlite3.connect(data / "videoschalter.db") as db:
        changed = db.execute("update appointments set start_at = ?, end_at = ? where status = 'booked'",
                             (start.strftime(fmt), (start + dt.timedelta(minutes=15)).strftime(fmt))).rowcount
    assert changed == 1


async def citizen_fills_and_confirms(page: Page, watch: Stopwatch) -> None:
    """On their own page: address, move-in date, kind of dwelling, delivery, the declaration; then confirm."""
    await page.click("#tab-form")
    view = "#form-view "
    for (name, part), value in CITIZEN_FIELDS.items():
        await page.fill(f"{view}[data-field='{name}'][data-part='{part}']", value)
    await page.locator(f"{view}[data-field='current_address'][data-part='town']").blur()
    await page.fill(f"{view}[data-field='moved_in']", "2019-04-01")
    await page.select_option(f"{view}[data-field='dwelling']", "Hauptwohnung")
    await page.select_option(f"{view}[data-field='delivery']", "download")
    await page.check(f"{view}[data-field='truthful']")
    await wait_js(page, "!document.getElementById('form-confirm').disabled", timeout=20)

    async def confirm() -> None:
        await page.click("#form-confirm")
        await page.wait_for_selector("#form-msg[data-code='confirmed']", state="attached")
    await watch.time("form confirmed", confirm)


async def citizen_signs(page: Page, watch: Stopwatch) -> None:
    await page.wait_for_selector("#sig-pad[data-state='requested']", timeout=20000)  # the tab opens itself
    box = await page.locator("#sig-pad").bounding_box()
    assert box is not None
    points = [(0.1, 0.6), (0.2, 0.3), (0.35, 0.7), (0.5, 0.35), (0.65, 0.65), (0.85, 0.4)]
    await page.mouse.move(box["x"] + points[0][0] * box["width"], box["y"] + points[0][1] * box["height"])
    await page.mouse.down()
    for x, y in points[1:]:
        await page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=4)
    await page.mouse.up()

    async def submit() -> None:
        await page.click("#sig-submit")
        await page.wait_for_selector("#sig-pad[data-state='signed']", state="attached")
    await watch.time("signature stored", submit)


async def citizen_pays(page: Page, watch: Stopwatch) -> None:
    await page.wait_for_selector("body[data-payment='open']", timeout=20000)
    async with page.context.expect_page() as info:
        await page.click("#pay-link")
    pay_page = await info.value

    async def load() -> None:
        await pay_page.wait_for_load_state()
        await pay_page.wait_for_selector("button[value='pay']")
    await watch.time("payment page", load)
    assert "Testmodus" in await pay_page.inner_text("body")

    async def pay() -> None:
        await pay_page.click("button[value='pay']")
        await page.wait_for_selector("body[data-payment='paid']", timeout=20000)
    await watch.time("payment round trip", pay)
    await pay_page.close()


async def run_story(server: ServerProcess, browser: Browser) -> StoryResult:
    """Run the story once against a started ``server``; Chromium must show the ID card clip."""
    watch = Stopwatch()
    started = time.perf_counter()
    page = await browser.new_page(locale="de-DE")
    clerk = ClerkController(server.url, ice_hosts=["127.0.0.1"], local_video=LocalVideo(use_camera=False),
                            read_ids=True)
    await clerk.login("anna", CLERK_PASSWORD)
    clerk.start()
    try:
        token = await book(page, server, watch)
        jump_to_the_appointment(server.data)

        async def waiting_room() -> None:
            await page.goto(f"{server.url}/w/{token}")
            await page.wait_for_selector("body[data-ready='1']")
        await watch.time("waiting room", waiting_room)
        await wait_for(lambda: len(clerk.tickets) == 1, 20, "the booked citizen in the clerk's queue")
        case = clerk.case
        case.reset_counters()

        # the clerk calls in: video both ways, the app reads the ID card from the citizen's video
        called = time.perf_counter()
        await clerk.call_in(clerk.tickets[0]["id"])
        await page.wait_for_selector("body[data-phase='call']")
        await wait_for(lambda: clerk.id_check is not None and clerk.id_check.result is not None, 60,
                       "a stable MRZ read")
        id_read_s = time.perf_counter() - called
        assert clerk.id_check is not None and clerk.id_check.result is not None
        identity = dict(clerk.id_check.result)

        # "Übernehmen": the identity fills the case and the form (opened by itself for the booked service)
        await wait_for(lambda: case.state is not None and case.state.form is not None, 20, "the booked service's form")
        clerk.confirm_identity()
        await wait_for(lambda: bool(case.state.form["values"].get("surname")), 20, "the identity in the form")
        await wait_for(lambda: bool(case.state.needs_check), 10, "values to look at")
        await case.check_all()  # "Alle geprüft": one click for every value read from the card
        await wait_for(lambda: not case.state.needs_check, 20, "all values checked")

        await wait_js(page, "document.body.dataset.formVersion !== undefined", timeout=20)
        await citizen_fills_and_confirms(page, watch)
        await citizen_signs(page, watch)  # the app asked for the signature of the confirmed version itself
        await citizen_pays(page, watch)  # … and for the fee once signed
        await wait_for(lambda: case.state.can_issue, 20, "confirmed, signed and paid on the clerk's side")

        async def issue() -> None:
            await case.issue()  # "Bescheinigung ausstellen"
            await page.wait_for_selector("#tab-cert[aria-selected='true']", timeout=30000)
        await watch.time("certificate issued", issue)
        document_id = (await page.inner_text("#cert-id")).rsplit(" ", 1)[-1]

        async def download() -> bytes:
            async with page.expect_download() as info:
                await page.click("#cert-download")
            return Path(await (await info.value).path()).read_bytes()
        pdf = await watch.time("certificate download", download)
        await clerk.hang_up()
        await page.wait_for_selector("body[data-phase='ended']")
        return StoryResult(clerk_actions=dict(case.actions), typed_identity_fields=case.typed_identity_fields,
                           waits=watch.waits, id_read_s=id_read_s, total_s=time.perf_counter() - started,
                           identity=identity, certificate=pdf, document_id=document_id,
                           link=f"{server.url}/w/{token}")
    finally:
        await clerk.close()
        await page.close()
