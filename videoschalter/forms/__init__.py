"""Service forms as data: definitions in TOML (one file per form), shown in the citizen's language, filled in
together by clerk and citizen, confirmed and signed over a hash of exactly what was shown.

See docs/forms.md for the definition format.
"""

from __future__ import annotations

from .document import canonical_json, document_hash
from .languages import LANGUAGES, RTL_LANGUAGES, SOURCE_LANGUAGE, direction
from .loader import DEFAULT_FOLDER, FormDefinitionError, Problem, load_form, load_forms
from .model import Condition, FieldDef, FieldType, FormDefinition, Option, Section, Validation
from .prefill import Prefilled, prefill
from .render import localized
from .session import EditRefused, FormSession, NotReady, StaleVersion
from .translations import TranslationGap, engine_translation_gaps, translation_gaps
from .validate import FieldError, validate_values

__all__ = [
    "DEFAULT_FOLDER",
    "LANGUAGES",
    "RTL_LANGUAGES",
    "SOURCE_LANGUAGE",
    "Condition",
    "EditRefused",
    "FieldDef",
    "FieldError",
    "FieldType",
    "FormDefinition",
    "FormDefinitionError",
    "FormSession",
    "NotReady",
    "Option",
    "Prefilled",
    "Problem",
    "Section",
    "StaleVersion",
    "TranslationGap",
    "Validation",
    "canonical_json",
    "direction",
    "document_hash",
    "engine_translation_gaps",
    "load_form",
    "load_forms",
    "localized",
    "prefill",
    "translation_gaps",
    "validate_values",
]
