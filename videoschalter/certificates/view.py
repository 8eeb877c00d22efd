"""The content of the public /verify/<id> page, in German and English, as plain data.

A pure function so the web server only renders it (HTML or JSON) and the wording is
tested here. It shows status and hash, never personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from videoschalter.certificates.formatting import german_datetime
from videoschalter.certificates.registry import IssuedDocument

LANGS = ("de", "en")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # not strftime: the server's locale must not change the page
_KIND_LABELS = {
    "de": {"meldebescheinigung": "Meldebescheinigung", "zahlungsbeleg": "Zahlungsbeleg",
           "anmeldebestaetigung": "Meldebestätigung (Anmeldung)", "abmeldebestaetigung": "Meldebestätigung (Abmeldung)",
           "bewohnerparkausweis": "Bewohnerparkausweis",
           "fuehrungszeugnis_antrag": "Antragsbestätigung Führungszeugnis"},
    "en": {"meldebescheinigung": "Certificate of registration (Meldebescheinigung)",
           "zahlungsbeleg": "Payment receipt",
           "anmeldebestaetigung": "Confirmation of registration (Meldebestätigung, Anmeldung)",
           "abmeldebestaetigung": "Confirmation of deregistration (Meldebestätigung, Abmeldung)",
           "bewohnerparkausweis": "Residents' parking permit (Bewohnerparkausweis)",
           "fuehrungszeugnis_antrag": "Confirmation of an application for a certificate of conduct (Führungszeugnis)"},
}
_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "valid.title": "Dokument gültig",
        "valid.message": "Dieses Dokument wurde am {issued} von uns ausgestellt und ist gültig. "
                         "Vergleichen Sie den Prüfwert (SHA-256) mit dem Ihrer PDF-Datei.",
        "revoked.title": "Dokument widerrufen",
        "revoked.message": "Dieses Dokument wurde am {issued} ausgestellt, aber am {revoked} widerrufen. "
                           "Es ist nicht mehr gültig.",
        "unknown.title": "Dokument unbekannt",
        "unknown.message": "Ein Dokument mit dieser Nummer haben wir nicht ausgestellt. Prüfen Sie die "
                           "Nummer; sonst ist das Dokument nicht echt.",
        "hash.label": "Prüfwert (SHA-256) der PDF-Datei",
        "hash.match": "Die vorgelegte Datei stimmt mit dem ausgestellten Dokument überein.",
        "hash.mismatch": "Die vorgelegte Datei stimmt NICHT mit dem ausgestellten Dokument überein.",
    },
    "en": {
        "valid.title": "Document valid",
        "valid.message": "We issued this document on {issued} and it is valid. "
                         "Compare the check value (SHA-256) with that of your PDF file.",
        "revoked.title": "Document revoked",
        "revoked.message": "This document was issued on {issued} but revoked on {revoked}. It is no longer valid.",
        "unknown.title": "Unknown document",
        "unknown.message": "We have not issued a document with this number. Check the number; "
                           "otherwise the document is not genuine.",
        "hash.label": "Check value (SHA-256) of the PDF file",
        "hash.match": "The file presented matches the issued document.",
        "hash.mismatch": "The file presented does NOT match the issued document.",
    },
}


def verification_view(doc: IssuedDocument | None, lang: str = "de", *, document_id: str = "",
                      presented_sha256: str | None = None) -> dict[str, Any]:
    """Status (valid / revoked / unknown), texts and hash for the check page; JSON-serialisable.

    ``document_id`` is the id that was asked for (shown for unknown ids); ``presented_sha256``
    the hash of a file the visitor uploaded, if any, to say whether it is the issued one.
    """
    lang = lang if lang in LANGS else "de"
    texts = _TEXTS[lang]
    if doc is None:
        return {"status": "unknown", "http_status": 404, "lang": lang, "document_id": document_id,
                "title": texts["unknown.title"], "message": texts["unknown.message"]}

    status = "revoked" if doc.revoked_at is not None else "valid"
    issued = _when(doc.issued_at, lang)
    revoked = _when(doc.revoked_at, lang) if doc.revoked_at else ""
    view: dict[str, Any] = {
        "status": status,
        "http_status": 200,
        "lang": lang,
        "document_id": doc.id,
        "kind": doc.kind,
        "kind_label": _KIND_LABELS[lang].get(doc.kind, doc.kind),
        "title": texts[f"{status}.title"],
        "message": texts[f"{status}.message"].format(issued=issued, revoked=revoked),
        "issued_at": doc.issued_at.isoformat(),
        "revoked_at": doc.revoked_at.isoformat() if doc.revoked_at else None,
        "sha256": doc.sha256,
        "sha256_label": texts["hash.label"],
    }
    if presented_sha256 is not None:
        match = presented_sha256.strip().lower() == doc.sha256.lower()
        view["hash_match"] = match
        view["hash_message"] = texts["hash.match" if match else "hash.mismatch"]
    return view


def _when(moment: dt.datetime, lang: str) -> str:
    if lang == "de":
        return german_datetime(moment)
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"
