"""After the call the personal link gives the issued documents: a page, a download, until erasure."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiohttp.test_utils import TestClient

from tests.signaling.case_support import download_certificate, recv, send
from tests.signaling.conftest import join
from tests.signaling.test_case_issue import signed_and_paid
from videoschalter.certificates.verify import verify_pdf

LINK = re.compile(r'href="(/w/[^"]+/dokumente/[^"]+)"')


async def test_the_link_gives_the_certificate_after_the_call(client: TestClient, data_dir: Path) -> None:
    call = await signed_and_paid(client)
    await call.to_server("issue")
    issued = await recv(call.citizen, "issued")
    pdf, _ = await download_certificate(client, call, data_dir)
    await send(call.clerk, "hangup", call_id=call.call_id)
    await recv(call.citizen, "hangup")

    page = await client.get(f"/w/{call.token}")
    assert page.status == 200 and page.headers["Cache-Control"] == "private, no-store"
    text = await page.text()
    assert "Ihr Vorgang ist abgeschlossen" in text and "Meldebescheinigung" in text
    assert f'href="/verify/{issued["document_id"]}"' in text
    links = LINK.findall(text)
    assert len(links) == 1
    got = await client.get(links[0])
    assert got.status == 200 and got.content_type == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert await got.read() == pdf  # the same signed file as in the session
    assert (await asyncio.to_thread(verify_pdf, pdf, [data_dir / "pki" / "ca.pem"])).ok

    english = await client.get(f"/w/{call.token}", headers={"Accept-Language": "en"})
    assert "Your matter is complete" in await english.text()

    # a guessed document id, another token, a stranger's finished ticket without documents: nothing
    assert (await client.get(links[0].rsplit("/", 1)[0] + "/d-guessed")).status == 404
    assert (await client.get(f"/w/{'x' * 32}/dokumente/{links[0].rsplit('/', 1)[1]}")).status == 404
    other = await join(client, "Otto")
    await client.delete("/api/v1/tickets/me", headers={"Authorization": f"Bearer {other['token']}"})
    assert (await client.get(f"/w/{other['token']}")).status == 403

    # erased (DSGVO Art. 17): the page says the link is no longer valid and the download is gone
    res = await client.delete(f"/api/v1/clerk/cases/{call.ticket_id}", headers=call.clerk_auth)
    assert res.status == 200
    gone = await client.get(f"/w/{call.token}")
    assert gone.status == 403 and "Dieser Link gilt nicht" in await gone.text()
    assert (await client.get(links[0])).status == 404


async def test_a_finished_call_without_documents_keeps_the_old_answer(client: TestClient) -> None:
    call = await signed_and_paid(client)  # paid, but nothing issued
    await send(call.clerk, "hangup", call_id=call.call_id)
    await recv(call.citizen, "hangup")
    page = await client.get(f"/w/{call.token}")
    assert page.status == 403 and "bereits abgeschlossen" in await page.text()
