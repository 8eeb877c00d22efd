"""Which document each form issues: kind (for the registry and /verify), title, file name, button label.

Plain data without reportlab, so the clerk app can label its button ("Parkausweis ausstellen")
without loading the renderer. A form that is not listed issues nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BUTTON = "Bescheinigung ausstellen"


@dataclass(frozen=True)
class DocumentKind:
    """What issuing a form's case produces."""

    form_id: str
    kind: str  # stored with the issued document, shown on /verify
    title: str  # German name of the document
    file_stem: str  # file name without id and suffix (ASCII: some mail clients mangle umlauts)
    button: str  # the clerk app's issue button


KINDS: dict[str, DocumentKind] = {k.form_id: k for k in (
    DocumentKind("meldebescheinigung", "meldebescheinigung", "Meldebescheinigung", "Meldebescheinigung",
                 DEFAULT_BUTTON),
    DocumentKind("anmeldung", "anmeldebestaetigung", "Anmeldebestätigung", "Anmeldebestaetigung",
                 "Meldebestätigung ausstellen"),
    DocumentKind("abmeldung", "abmeldebestaetigung", "Abmeldebestätigung", "Abmeldebestaetigung",
                 "Meldebestätigung ausstellen"),
    DocumentKind("bewohnerparkausweis", "bewohnerparkausweis", "Bewohnerparkausweis", "Bewohnerparkausweis",
                 "Parkausweis ausstellen"),
    DocumentKind("fuehrungszeugnis", "fuehrungszeugnis_antrag", "Antragsbestätigung Führungszeugnis",
                 "Antragsbestaetigung-Fuehrungszeugnis", "Antragsbestätigung ausstellen"),
)}


def kind_for_form(form_id: str | None) -> DocumentKind | None:
    """The document a form issues, or None (consultations and unknown forms issue nothing)."""
    return KINDS.get(form_id or "")


def issue_button_label(form_id: str | None) -> str:
    """The clerk's button text for the open form; the generic one while no form is open."""
    found = kind_for_form(form_id)
    return found.button if found else DEFAULT_BUTTON
