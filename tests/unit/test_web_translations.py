"""Every text of the browser pages has a translation in every catalog."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from videoschalter import i18n

ROOT = Path(__file__).resolve().parents[2]


def load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("web_messages", ROOT / "scripts" / "web_messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_page_text_is_translated() -> None:
    texts = load_script().web_messages()
    assert len(texts) > 50  # the extraction itself works
    for lang in i18n.available_languages()[1:]:
        missing = sorted(texts - set(i18n.catalog(lang)))
        assert not missing, f"{lang}: {missing[:5]} (python scripts/web_messages.py lists them as .po entries)"


def test_placeholders_survive_translation() -> None:
    import re

    for lang in i18n.available_languages()[1:]:
        for msgid, msgstr in i18n.catalog(lang).items():
            assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), (lang, msgid)
