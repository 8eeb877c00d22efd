"""REST handlers for appointments: services, free slots, booking, moving, cancelling.

The rules live in ``videoschalter.domain.booking`` and ``slots``; the storage
repeats the capacity check inside its transaction, so what the page showed a
moment ago can still be refused with 409 when somebody else was faster.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aiohttp import web

from signaling import appointment_store as appts
from signaling.api import client_address, idempotency_key, json_error, read_json
from signaling.auth import bearer_token
from signaling.keys import CONFIG, HUB, STORE
from signaling.mailer import MAILER
from videoschalter import i18n
from videoschalter.config import Config, Service
from videoschalter.domain.booking import BookingRequest, Problem, check_change, validate_booking, validate_reschedule
from videoschalter.domain.slots import bookable_days, service_slots

LIMIT_CODES = {"limit_email", "limit_client"}


def lang_of(request: web.Request) -> str:
    wanted = request.query.get("lang")
    return wanted if wanted in i18n.available_languages() else i18n.negotiate(request.headers.get("Accept-Language"))


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def problems_response(problems: list[Problem], lang: str) -> web.HTTPException:
    codes = {p.code for p in problems}
    status = 429 if codes & LIMIT_CODES else 409 if "slot_full" in codes else 400
    body = {"error": "invalid_booking" if status == 400 else sorted(codes)[0],
            "message": problems[0].text(lang), "problems": [p.as_dict(lang) for p in problems]}
    cls = {400: web.HTTPBadRequest, 409: web.HTTPConflict, 429: web.HTTPTooManyRequests}[status]
    return cls(text=json.dumps(body, ensure_ascii=False), content_type="application/json")


def service_or_404(request: web.Request, service_id: str) -> Service:
    service = request.app[CONFIG].service(service_id)
    if service is None:
        raise json_error(404, "unknown_service", "Diese Leistung gibt es nicht")
    return service


def service_public(config: Config, service: Service, lang: str) -> dict[str, Any]:
    _ = i18n.translator(lang)
    dept = config.department(service.department)
    return {"id": service.id, "name": _(service.name), "department": service.department,
            "department_name": _(dept.name) if dept else service.department, "duration_min": service.duration_min,
            "fee_cents": service.fee_cents, "documents": [_(d) for d in service.documents],
            "languages": list(service.languages), "video": service.video,
            "not_by_video_hint": _(service.not_by_video_hint) if service.not_by_video_hint else ""}


async def department_bookings(request: web.Request, department: str, exclude: int | None = None):  # type: ignore[no-untyped-def]
    horizon = request.app[CONFIG].booking.horizon_days + 2
    now = now_utc()
    return await request.app[STORE].run(appts.booked_intervals, department, now - dt.timedelta(days=1),
                                        now + dt.timedelta(days=horizon), exclude)


async def services(request: web.Request) -> web.Response:
    config, lang = request.app[CONFIG], lang_of(request)
    return web.json_response({"services": [service_public(config, s, lang) for s in config.services]})


async def days(request: web.Request) -> web.Response:
    service = service_or_404(request, request.match_info["service"])
    booked = await department_bookings(request, service.department)
    found = bookable_days(request.app[CONFIG], service, booked, now_utc())
    return web.json_response({"days": [{"date": d.isoformat(), "free_slots": n} for d, n in found]})


async def slots(request: web.Request) -> web.Response:
    service = service_or_404(request, request.match_info["service"])
    try:
        day = dt.date.fromisoformat(request.query.get("date", ""))
    except ValueError:
        raise json_error(400, "invalid_date", "Datum im Format JJJJ-MM-TT angeben") from None
    booked = await department_bookings(request, service.department)
    found = service_slots(request.app[CONFIG], service, day, booked, now_utc())
    return web.json_response({"date": day.isoformat(), "slots": [
        {"start": s.start.isoformat(), "end": s.end.isoformat(), "free": s.free} for s in found]})


def parse_start(value: Any) -> dt.datetime:
    try:
        start = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise json_error(400, "invalid_start", "Beginn als Datum mit Uhrzeit und Zeitzone angeben") from None
    if start.tzinfo is None:
        raise json_error(400, "invalid_start", "Beginn als Datum mit Uhrzeit und Zeitzone angeben")
    return start


async def book(request: web.Request) -> web.Response:
    data = await read_json(request)
    config, store = request.app[CONFIG], request.app[STORE]
    lang = data.get("lang") if data.get("lang") in i18n.available_languages() else lang_of(request)
    service = service_or_404(request, str(data.get("service", "")))
    start = parse_start(data.get("start"))
    dept = config.department(service.department)
    assert dept is not None
    key = idempotency_key(request)
    client = await store.run(appts.client_hash, client_address(request))
    local_day = start.astimezone(dept.hours.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    email_count, client_count = await store.run(appts.counts_for_limits, str(data.get("email", "")), client,
                                                local_day.astimezone(dt.UTC))
    booked = await department_bookings(request, service.department)
    check = validate_booking(config, BookingRequest(service.id, start, str(data.get("name", "")),
                                                    str(data.get("email", ""))),
                             now_utc(), booked, email_count, client_count)
    problems = check.problems
    if key and problems:  # a retry of a booking that went through must not be refused by its own effect
        problems = [p for p in problems if p.code not in ("slot_full", *LIMIT_CODES)]
    if problems:
        raise problems_response(problems, lang)
    try:
        appointment, token, new = await store.run(
            appts.book, service=service.id, department=dept.id, start=start, end=start + service.duration,
            capacity=dept.capacity_on(start.astimezone(dept.hours.timezone).date()), name=check.name,
            email=check.email, lang=lang, client=client, idempotency_key=key)
    except appts.SlotTaken:
        raise problems_response([Problem("slot_full", "start", "Dieser Termin ist leider schon vergeben. "
                                                                 "Bitte wählen Sie einen anderen.")], lang) from None
    request.app[MAILER].wake()
    return web.json_response(appointment_body(appointment, token, config, lang), status=201 if new else 200)


def appointment_body(appointment: appts.Appointment, token: str, config: Config, lang: str) -> dict[str, Any]:
    service = config.service(appointment.service)
    return {"appointment": appointment.public(), "service": service_public(config, service, lang) if service else None,
            "token": token, "url": f"/termin/{token}", "waiting_room": f"/w/{token}",
            "waiting_room_opens": (appointment.start - dt.timedelta(
                minutes=config.booking.early_arrival_minutes)).isoformat()}


async def my_appointment(request: web.Request) -> tuple[appts.Appointment, str]:
    token = bearer_token(request)
    appointment = await request.app[STORE].run(appts.appointment_for_token, token) if token else None
    if appointment is None:
        raise json_error(403, "invalid_token", "Ihr Link ist ungültig oder abgelaufen")
    return appointment, token  # type: ignore[return-value]


async def show(request: web.Request) -> web.Response:
    appointment, token = await my_appointment(request)
    return web.json_response(appointment_body(appointment, token, request.app[CONFIG], lang_of(request)))


async def cancel(request: web.Request) -> web.Response:
    appointment, token = await my_appointment(request)
    problem = check_change(appointment.start, now_utc(), appointment.status)
    if problem:
        raise json_error(409, problem.code, problem.text(lang_of(request)))
    try:
        appointment = await request.app[STORE].run(appts.cancel, appointment.id)
    except appts.NotFound:
        raise json_error(409, "change_not_active", "Dieser Termin wurde bereits abgesagt oder ist vorbei.") from None
    request.app[MAILER].wake()
    await request.app[HUB].publish_status(appointment.department)
    return web.json_response(appointment_body(appointment, token, request.app[CONFIG], lang_of(request)))


async def reschedule(request: web.Request) -> web.Response:
    appointment, token = await my_appointment(request)
    data = await read_json(request)
    config, lang = request.app[CONFIG], lang_of(request)
    start = parse_start(data.get("start"))
    service = service_or_404(request, appointment.service)
    dept = config.department(service.department)
    assert dept is not None
    booked = await department_bookings(request, service.department, exclude=appointment.id)
    problems = validate_reschedule(config, service, appointment.start, start, now_utc(), booked, appointment.status)
    if problems:
        raise problems_response(problems, lang)
    try:
        appointment = await request.app[STORE].run(
            appts.reschedule, appointment.id, start, start + service.duration,
            dept.capacity_on(start.astimezone(dept.hours.timezone).date()))
    except appts.SlotTaken:
        raise problems_response([Problem("slot_full", "start", "Dieser Termin ist leider schon vergeben. "
                                                                 "Bitte wählen Sie einen anderen.")], lang) from None
    except appts.NotFound:
        raise json_error(409, "change_not_active", "Dieser Termin wurde bereits abgesagt oder ist vorbei.") from None
    request.app[MAILER].wake()
    return web.json_response(appointment_body(appointment, token, config, lang))


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/services", services)
    r.add_get("/api/v1/services/{service}/days", days)
    r.add_get("/api/v1/services/{service}/slots", slots)
    r.add_post("/api/v1/appointments", book)
    r.add_get("/api/v1/appointments/me", show)
    r.add_delete("/api/v1/appointments/me", cancel)
    r.add_post("/api/v1/appointments/me/reschedule", reschedule)
