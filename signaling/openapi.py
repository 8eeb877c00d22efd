"""The OpenAPI 3 document of /api/v1, kept next to the routes it describes.

A test compares it with the router, so a route cannot be added without
being documented here.
"""

from __future__ import annotations

from typing import Any

import videoschalter

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _err(description: str) -> dict[str, Any]:
    return _json(_ERROR, description)


_TICKET = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "department": {"type": "string"}, "number": {"type": "integer"},
        "name": {"type": "string"}, "state": {"type": "string", "enum": ["waiting", "called", "done",
                                                                         "cancelled", "no_show"]},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}
_CLERK = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"},
                   "departments": {"type": "array", "items": {"type": "string"}}},
}
_CITIZEN = [{"citizenToken": []}]
_JOINED = {"type": "object", "properties": {"ticket": _TICKET, "token": {"type": "string"}, "url": {"type": "string"}}}
_SERVICE_PARAM = {"name": "service", "in": "path", "required": True, "schema": {"type": "string"}}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 16, "maxLength": 100}}
_APPOINTMENT_BODY = {"type": "object", "properties": {
    "appointment": {"type": "object"}, "service": {"$ref": "#/components/schemas/Service"},
    "token": {"type": "string"}, "url": {"type": "string"}, "waiting_room": {"type": "string"},
    "waiting_room_opens": {"type": "string", "format": "date-time"}}}


def _problems(description: str) -> dict[str, Any]:
    return _json({"allOf": [_ERROR, {"type": "object", "properties": {"problems": {"type": "array", "items": {
        "type": "object", "properties": {"code": {"type": "string"}, "field": {"type": "string", "nullable": True},
                                         "message": {"type": "string"}}}}}}]}, description)
_CLERK_AUTH = [{"clerkSession": []}]
_WS_NOTE = ("WebSocket. First message: {\"v\":1,\"type\":\"hello\",\"token\":...}. "
            "Messages are JSON objects with 'v' (protocol version 1) and 'type'; see docs/protocol.md.")


_DOCUMENT = {"type": "object", "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "mime": {"type": "string"}, "size": {"type": "integer"},
    "from": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "sha256": {"type": "string"},
    "kind": {"type": "string", "enum": ["upload", "shared", "certificate", "receipt", "signature", "snapshot",
                                        "id_copy"]}}}
_DOCUMENT_BODY = _json({"type": "object", "properties": {"document": _DOCUMENT}})
_TICKET_PARAM = {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_DOCUMENT_PARAM = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}
_FILE = {"description": "The file", "content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}
_UPLOAD = {
    "parameters": [_IDEMPOTENCY, {"name": "X-Filename", "in": "header", "required": False,
                                  "schema": {"type": "string"}, "description": "percent-encoded UTF-8"}],
    "requestBody": {"required": True, "content": {"application/octet-stream": {"schema": {
        "type": "string", "format": "binary"}}}},
    "responses": {"201": _DOCUMENT_BODY, "200": _DOCUMENT_BODY, "403": _err("Not allowed"),
                  "413": _err("Too large"), "415": _err("Not PDF, JPEG or PNG by content"),
                  "422": _err("Malformed or encrypted PDF, broken image")}}


def _case_paths() -> dict[str, Any]:
    """The case (docs/case.md); /verify/<id> and /sandbox-pay/<ref> are pages, not API."""
    clerk = {"security": _CLERK_AUTH}
    return {
        "/api/v1/case/documents": {"post": {"summary": "Upload a document to the own case", "security": _CITIZEN,
                                            **_UPLOAD}},
        "/api/v1/case/documents/{document_id}": {"get": {
            "summary": "Download an own or shared document", "security": _CITIZEN, "parameters": [_DOCUMENT_PARAM],
            "responses": {"200": _FILE, "403": _err("Unknown link"), "404": _err("Unknown document")}}},
        "/api/v1/case/signature": {"post": {
            "summary": "Sign the confirmed form version the clerk asked for", "security": _CITIZEN,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["document_hash", "strokes", "width", "height"], "properties": {
                    "document_hash": {"type": "string"}, "width": {"type": "integer"}, "height": {"type": "integer"},
                    "strokes": {"type": "array", "items": {"type": "array", "items": {
                        "type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}}}}}}}},
            "responses": {"201": _json({"type": "object"}), "409": _err("document_changed / not_requested"),
                          "422": _err("Invalid strokes")}}},
        "/api/v1/case/certificate": {"get": {
            "summary": "The issued signed certificate (also after the call, until retention ends)",
            "security": _CITIZEN, "responses": {"200": _FILE, "404": _err("Nothing issued")}}},
        "/api/v1/clerk/cases/{ticket_id}/documents": {"post": {
            "summary": "Send a file to the citizen (?kind=snapshot: an image to show; ?kind=id_copy: a marked "
                       "copy of the ID card, 403 no_consent without the citizen's fresh consent)", **clerk,
            **{**_UPLOAD, "parameters": [_TICKET_PARAM, *_UPLOAD["parameters"]]}}},
        "/api/v1/clerk/cases/{ticket_id}/documents/{document_id}": {"get": {
            "summary": "View a document of the case", **clerk, "parameters": [_TICKET_PARAM, _DOCUMENT_PARAM],
            "responses": {"200": _FILE, "403": _err("Other department"), "404": _err("Unknown document")}}},
        "/api/v1/clerk/cases/{ticket_id}/signature": {"post": {
            "summary": "A signature from the counter's tablet, same body and rules as case/signature", **clerk,
            "parameters": [_TICKET_PARAM],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"201": _json({"type": "object"}), "403": _err("Other department"),
                          "409": _err("document_changed / not_requested"), "422": _err("Invalid strokes")}}},
        "/api/v1/clerk/cases/{ticket_id}/export": {"get": {
            "summary": "The case as JSON (docs/case-export.md), DSGVO Art. 15", **clerk, "parameters": [_TICKET_PARAM],
            "responses": {"200": _json({"type": "object"}), "403": _err("Other department")}}},
        "/api/v1/clerk/cases/{ticket_id}": {"delete": {
            "summary": "Erase the person's data of the case, DSGVO Art. 17", **clerk, "parameters": [_TICKET_PARAM],
            "responses": {"200": _json({"type": "object"}), "403": _err("Other department")}}},
        "/api/v1/payments/notify": {"post": {
            "summary": "Signed payment notification of the provider (docs/payments.md)",
            "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {},
                                                          "application/json": {}}},
            "responses": {"200": {"description": "Applied or a known repeat"},
                          "400": {"description": "Refused; the body is the reason code"}}}},
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Videoschalter API", "version": videoschalter.__version__,
                 "license": {"name": "EUPL-1.2"}},
        "paths": {
            "/healthz": {"get": {"summary": "Liveness check", "responses": {"200": _json({"type": "object"})}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": _json({})}}},
            "/api/v1/departments": {"get": {
                "summary": "Departments with their current state (open / busy / no_clerk / closed)",
                "responses": {"200": _json({"type": "object", "properties": {"departments": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Department"}}}})}}},
            "/api/v1/tickets": {"post": {
                "summary": "Join a department's walk-in queue (Idempotency-Key makes retries safe)",
                "parameters": [_IDEMPOTENCY],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["department", "name"],
                    "properties": {"department": {"type": "string"}, "name": {"type": "string", "maxLength": 80}}}}}},
                "responses": {
                    "201": _json(_JOINED, "Joined"),
                    "200": _json(_JOINED, "The same ticket again (idempotent retry)"),
                    "400": _err("Invalid input"), "409": _err("Closed or appointments only"),
                    "413": _err("Body too large"), "429": _err("Too many joins from this address")}}},
            "/api/v1/tickets/me": {
                "get": {"summary": "The citizen's own ticket and place", "security": _CITIZEN,
                        "responses": {"200": _json({"type": "object", "properties": {
                            "ticket": _TICKET, "position": {"type": "integer", "nullable": True},
                            "waiting": {"type": "integer"}}}),
                            "403": _err("Unknown or expired link")}},
                "delete": {"summary": "Leave the queue", "security": _CITIZEN,
                           "responses": {"200": _json({"type": "object"}), "403": _err("Unknown or expired link"),
                                         "409": _err("Not waiting any more")}}},
            "/api/v1/clerk/login": {"post": {
                "summary": "Clerk login; returns a bearer session token",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
                "responses": {"200": _json({"type": "object", "properties": {
                    "token": {"type": "string"}, "expires_at": {"type": "string"}, "clerk": _CLERK}}),
                    "400": _err("Invalid input"), "401": _err("Wrong credentials"),
                    "429": _err("Too many attempts")}}},
            "/api/v1/clerk/logout": {"post": {"summary": "End the clerk session", "security": _CLERK_AUTH,
                                              "responses": {"200": _json({"type": "object"}),
                                                            "401": _err("Not logged in")}}},
            "/api/v1/clerk/me": {"get": {"summary": "The logged-in clerk", "security": _CLERK_AUTH,
                                         "responses": {"200": _json({"type": "object", "properties": {
                                             "clerk": _CLERK}}), "401": _err("Not logged in")}}},
            "/api/v1/clerk/queue": {"get": {
                "summary": "Waiting and called tickets of the clerk's departments", "security": _CLERK_AUTH,
                "responses": {"200": _json({"type": "object", "properties": {"tickets": {
                    "type": "array", "items": _TICKET}}}), "401": _err("Not logged in")}}},
            "/api/v1/clerk/day": {"get": {
                "summary": "Today's appointments and figures of the clerk's departments (from the database)",
                "security": _CLERK_AUTH,
                "responses": {"200": _json({"type": "object", "properties": {
                    "date": {"type": "string", "format": "date"}, "served": {"type": "integer"},
                    "waiting": {"type": "integer"}, "in_call": {"type": "integer"}, "no_show": {"type": "integer"},
                    "left": {"type": "integer"}, "avg_wait_s": {"type": "integer", "nullable": True},
                    "avg_duration_s": {"type": "integer", "nullable": True},
                    "appointments": {"type": "array", "items": {"type": "object"}}}}),
                    "401": _err("Not logged in")}}},
            "/api/v1/i18n/{lang}": {"get": {
                "summary": "Translations for the browser pages (msgid → text)",
                "parameters": [{"name": "lang", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object"}), "404": _err("Unknown language")}}},
            "/api/v1/services": {"get": {
                "summary": "Services of the catalogue (names in the asked language: ?lang= or Accept-Language)",
                "responses": {"200": _json({"type": "object", "properties": {"services": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Service"}}}})}}},
            "/api/v1/services/{service}/days": {"get": {
                "summary": "Days with free slots within the booking horizon",
                "parameters": [_SERVICE_PARAM],
                "responses": {"200": _json({"type": "object", "properties": {"days": {"type": "array", "items": {
                    "type": "object", "properties": {"date": {"type": "string", "format": "date"},
                                                     "free_slots": {"type": "integer"}}}}}}),
                              "404": _err("Unknown service")}}},
            "/api/v1/services/{service}/slots": {"get": {
                "summary": "Free slots of one day",
                "parameters": [_SERVICE_PARAM, {"name": "date", "in": "query", "required": True,
                                                "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": _json({"type": "object", "properties": {"slots": {"type": "array", "items": {
                    "type": "object", "properties": {"start": {"type": "string", "format": "date-time"},
                                                     "end": {"type": "string", "format": "date-time"},
                                                     "free": {"type": "integer"}}}}}}),
                              "400": _err("Bad date"), "404": _err("Unknown service")}}},
            "/api/v1/appointments": {"post": {
                "summary": "Book an appointment; the confirmation mail with an .ics follows. "
                           "Send an Idempotency-Key header to make retries safe.",
                "parameters": [_IDEMPOTENCY],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["service", "start", "name", "email"],
                    "properties": {"service": {"type": "string"}, "start": {"type": "string", "format": "date-time"},
                                   "name": {"type": "string"}, "email": {"type": "string"},
                                   "lang": {"type": "string"}}}}}},
                "responses": {"201": _json(_APPOINTMENT_BODY, "Booked"),
                              "200": _json(_APPOINTMENT_BODY, "The same booking again (idempotent retry)"),
                              "400": _problems("Invalid input"), "404": _err("Unknown service"),
                              "409": _problems("Slot taken"), "429": _problems("Daily limit reached")}}},
            "/api/v1/appointments/me": {
                "get": {"summary": "The citizen's appointment", "security": _CITIZEN,
                        "responses": {"200": _json(_APPOINTMENT_BODY), "403": _err("Unknown link")}},
                "delete": {"summary": "Cancel the appointment", "security": _CITIZEN,
                           "responses": {"200": _json(_APPOINTMENT_BODY), "403": _err("Unknown link"),
                                         "409": _err("Already cancelled or started")}}},
            "/api/v1/appointments/me/reschedule": {"post": {
                "summary": "Move the appointment to another free slot", "security": _CITIZEN,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["start"],
                    "properties": {"start": {"type": "string", "format": "date-time"}}}}}},
                "responses": {"200": _json(_APPOINTMENT_BODY), "400": _problems("Invalid slot"),
                              "403": _err("Unknown link"), "409": _problems("Slot taken or already started")}}},
            "/api/v1/pictures": {"get": {
                "summary": "Pictures of the town for the waiting room (URLs under /pictures/)",
                "responses": {"200": _json({"type": "object", "properties": {"pictures": {
                    "type": "array", "items": {"type": "object", "properties": {
                        "url": {"type": "string"}, "caption": {"type": "string"}}}}}})}}},
            "/api/v1/ws/citizen": {"get": {"summary": "Citizen signaling WebSocket", "description": _WS_NOTE,
                                           "responses": {"101": {"description": "Switching protocols"},
                                                         "403": {"description": "Foreign Origin"}}}},
            "/api/v1/ws/clerk": {"get": {"summary": "Clerk signaling WebSocket", "description": _WS_NOTE,
                                         "responses": {"101": {"description": "Switching protocols"},
                                                       "403": {"description": "Foreign Origin"}}}},
            **_case_paths(),
        },
        "components": {
            "securitySchemes": {
                "citizenToken": {"type": "http", "scheme": "bearer",
                                 "description": "The secret from the citizen's personal link /w/<token>"},
                "clerkSession": {"type": "http", "scheme": "bearer", "description": "From /api/v1/clerk/login"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
                "Service": {"type": "object", "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"}, "department": {"type": "string"},
                    "department_name": {"type": "string"}, "duration_min": {"type": "integer"},
                    "fee_cents": {"type": "integer"}, "documents": {"type": "array", "items": {"type": "string"}},
                    "languages": {"type": "array", "items": {"type": "string"}}, "video": {"type": "boolean"},
                    "not_by_video_hint": {"type": "string"}}},
                "Department": {"type": "object", "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"}, "walk_in": {"type": "boolean"},
                    "waiting": {"type": "integer"}, "open": {"type": "boolean"},
                    "state": {"type": "string", "enum": ["open", "busy", "no_clerk", "closed"]},
                    "next_opening": {"type": "string", "nullable": True}, "clerks_online": {"type": "integer"}}},
            },
        },
    }
