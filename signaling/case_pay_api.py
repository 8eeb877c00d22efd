"""Public HTTP of the case: the payment callback, the sandbox's test pages, and ``/verify/<id>``.

The sandbox sends its callback over HTTP to our own notify route (``deliver_callback``), so
a demo payment takes exactly the path, HMAC check and replay guard of a real platform's.
The URL it posts to is the socket the citizen's request arrived on, never a Host header.
"""

from __future__ import annotations

import dataclasses
import html
import logging
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from signaling import case_store as cs
from signaling.case_pay import NOTIFY_PATH, PAY_PATH, RETURN_PATH, checkout, return_url
from signaling.case_services import CASES
from signaling.keys import CONFIG, HUB, STORE
from videoschalter import i18n
from videoschalter.certificates.view import verification_view
from videoschalter.payments import (
    AlreadySettled,
    ForgedNotification,
    NotificationRefused,
    PaymentError,
    PaymentNotFound,
    PaymentState,
    ProviderError,
    SandboxError,
)
from videoschalter.payments.sandbox import (
    SANDBOX_CSS,
    STYLESHEET_PATH,
    deliver_callback,
    render_sandbox_page,
    render_sandbox_unknown_page,
)

log = logging.getLogger("videoschalter.payments")
MAX_NOTIFICATION_BYTES = 16 * 1024


def _lang(request: web.Request) -> str:
    return i18n.negotiate(request.headers.get("Accept-Language"))


# --- the provider's callback ---------------------------------------------------------------------
async def notify(request: web.Request) -> web.Response:
    payments = request.app[CASES].payments
    if payments is None:
        return web.Response(status=404, text="payments_off")
    body = await request.content.read(MAX_NOTIFICATION_BYTES + 1)
    if len(body) > MAX_NOTIFICATION_BYTES:
        return web.Response(status=400, text="too_large")
    try:
        await payments.handle_notification(body, request.headers.get("Content-Type", ""), request.headers)
    except ForgedNotification as exc:
        log.warning("payment notification refused: %s", exc.reason)
        return web.Response(status=400, text=exc.reason)
    except NotificationRefused as exc:
        return web.Response(status=400, text=exc.reason)
    return web.Response(text="ok")


# --- the citizen's pay link -------------------------------------------------------------------------
async def pay(request: web.Request) -> web.Response:
    """``/pay/<payment id>``: a fresh checkout at the provider, then the browser goes there (303)."""
    cases = request.app[HUB].cases
    _ = i18n.translator(_lang(request))
    try:
        assert cases is not None
        url = await checkout(cases, request.match_info["payment_id"][:40])
    except PaymentNotFound:
        page = _simple_page(request, _("Diese Zahlungsaufforderung gibt es nicht."), "")
        return web.Response(status=404, text=page, content_type="text/html")
    except AlreadySettled:
        raise web.HTTPSeeOther(return_url("", request.match_info["payment_id"][:40])) from None
    except (ProviderError, PaymentError) as exc:
        log.error("checkout failed: %s", exc)
        text = _("Die Zahlungsseite ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.")
        return web.Response(status=502, text=_simple_page(request, text, ""), content_type="text/html")
    raise web.HTTPSeeOther(url)


# --- the sandbox's pages -------------------------------------------------------------------------
async def sandbox_css(request: web.Request) -> web.Response:
    return web.Response(text=SANDBOX_CSS, content_type="text/css")


async def sandbox_page(request: web.Request) -> web.Response:
    sandbox = request.app[CASES].sandbox
    checkout = sandbox.checkout(request.match_info["ref"]) if sandbox else None
    if checkout is None:
        return web.Response(status=404, text=render_sandbox_unknown_page(_lang(request)), content_type="text/html")
    return web.Response(text=render_sandbox_page(checkout, _lang(request)), content_type="text/html")


async def sandbox_submit(request: web.Request) -> web.Response:
    sandbox = request.app[CASES].sandbox
    if sandbox is None:
        raise web.HTTPNotFound()
    form = await request.post()
    try:
        callback = sandbox.complete(request.match_info["ref"], str(form.get("action", "")))
    except SandboxError:
        checkout = sandbox.checkout(request.match_info["ref"])
        lang = _lang(request)
        page = render_sandbox_page(checkout, lang) if checkout else render_sandbox_unknown_page(lang)
        return web.Response(status=409, text=page, content_type="text/html")
    callback = dataclasses.replace(callback, notify_url=_local_url(request, NOTIFY_PATH))
    async with aiohttp.ClientSession() as session:
        try:
            status = await deliver_callback(callback, session)
        except ProviderError as exc:
            log.error("sandbox callback not delivered: %s", exc)
            status = 0
    if status != 200:
        log.error("sandbox callback answered %s", status)
    back = urlsplit(callback.return_url)  # path and query only: never an open redirect
    raise web.HTTPSeeOther((back.path or "/") + (f"?{back.query}" if back.query else ""))


def _local_url(request: web.Request, path: str) -> str:
    """This server as the citizen's request reached it (its socket), for the loopback callback."""
    sock = request.transport.get_extra_info("sockname") if request.transport else None
    if not sock:
        return f"{request.scheme}://{request.host}{path}"
    host, port = sock[0], sock[1]
    host = f"[{host}]" if ":" in host else host
    return f"{request.scheme}://{host}:{port}{path}"


async def payment_done(request: web.Request) -> web.Response:
    """Back from the provider: say what happened to this payment, not just "done".

    The payment id in the query is the same capability as the pay link; the page shows only the
    state. The provider's server-to-server callback may still be on its way: then "being checked".
    """
    _ = i18n.translator(_lang(request))
    cases = request.app[HUB].cases
    payments = cases.services.payments if cases is not None else None
    payment_id = request.query.get("p", "")[:40]
    found = await payments.get(payment_id) if payments is not None and payment_id else None
    state = found.state if found is not None else None
    if state == PaymentState.PAID:
        title, text = _("Zahlung abgeschlossen"), _("Sie können dieses Fenster schließen und zum Videoschalter "
                                                   "zurückkehren.")
    elif state in (PaymentState.CANCELLED, PaymentState.FAILED):
        title, text = _("Zahlung nicht abgeschlossen"), _("Es wurde nichts abgebucht. Sie können es über den "
                                                         "Link im Videoschalter noch einmal versuchen.")
    else:
        title, text = _("Zahlung wird geprüft"), _("Das Ergebnis erscheint im Videoschalter, sobald der "
                                                  "Zahlungsanbieter es bestätigt hat.")
    return web.Response(text=_simple_page(request, title, f"<p>{html.escape(text)}</p>"), content_type="text/html")


# --- the public check page -----------------------------------------------------------------------
async def verify(request: web.Request) -> web.Response:
    document_id = request.match_info["document_id"][:40]
    doc = await request.app[STORE].run(cs.find_issued, document_id)
    lang = "en" if _lang(request) == "en" else "de"
    presented = request.query.get("sha256")
    view = verification_view(doc, lang, document_id=document_id, presented_sha256=presented[:64] if presented else None)
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response(view, status=view["http_status"])
    rows = [f"<p>{html.escape(view['message'])}</p>",
            f"<p>Dokument-Nr. / Document no.: <strong>{html.escape(view['document_id'])}</strong></p>"]
    if view.get("sha256"):
        rows.append(f"<p>{html.escape(view['sha256_label'])}:<br><code class=\"hash\">"
                    f"{html.escape(view['sha256'])}</code></p>")
    if "hash_message" in view:
        rows.append(f"<p><strong>{html.escape(view['hash_message'])}</strong></p>")
    body = _simple_page(request, view["title"], "\n".join(rows), status_class=view["status"])
    return web.Response(status=view["http_status"], text=body, content_type="text/html")


def _simple_page(request: web.Request, title: str, content: str, status_class: str = "") -> str:
    office = html.escape(request.app[CONFIG].office_name)
    return f"""<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>{html.escape(title)} – {office}</title><link rel="stylesheet" href="/static/style.css"></head>
<body><main class="card {html.escape(status_class)}"><h1>{html.escape(title)}</h1>
{content}
<p>{office}</p></main></body></html>"""


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post(NOTIFY_PATH, notify)
    r.add_get(STYLESHEET_PATH, sandbox_css)
    r.add_get("/sandbox-pay/{ref}", sandbox_page)
    r.add_post("/sandbox-pay/{ref}", sandbox_submit)
    r.add_get(RETURN_PATH, payment_done)
    r.add_get(PAY_PATH, pay)
    r.add_get("/verify/{document_id}", verify)
