"""List the German texts of the browser pages that need translations.

Texts come from elements marked ``data-i18n`` in the HTML and from ``t("…")`` / ``N_("…")``
calls in the JS modules. Used by a test (every text has an English entry)
and by translators: ``python scripts/web_messages.py`` prints the missing ones
for each language as ready-to-fill .po entries.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "citizen_web"
HTML_TEXT = re.compile(r"<(\w+)[^>]*\sdata-i18n[^>]*>([^<]+)</\1>")
JS_CALL = re.compile(r"""\b(?:t|N_)\(\s*"((?:[^"\\]|\\.)+)"|\b(?:t|N_)\(\s*'((?:[^'\\]|\\.)+)'""")


def web_messages() -> set[str]:
    found: set[str] = set()
    for page in WEB.glob("*.html"):
        found |= {html.unescape(m.group(2).strip()) for m in HTML_TEXT.finditer(page.read_text("utf-8"))}
    for module in WEB.glob("*.js"):
        text = module.read_text("utf-8")
        found |= {m.group(1) or m.group(2) for m in JS_CALL.finditer(text)}
    return {m for m in found if m}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from videoschalter import i18n

    missing_any = False
    for lang in i18n.available_languages()[1:]:
        missing = sorted(web_messages() - set(i18n.catalog(lang)))
        for text in missing:
            missing_any = True
            print(f'# {lang}\nmsgid "{text}"\nmsgstr ""\n')
    return 1 if missing_any else 0


if __name__ == "__main__":
    raise SystemExit(main())
