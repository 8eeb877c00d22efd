"""Is an uploaded PDF one the office can open safely? Parsed with pyHanko's reader, never rendered.

The reader's default decode limits bound what compressed streams may expand to, so a
small file cannot grow into gigabytes here. We walk every object once (bounded) to find
the page tree and any JavaScript or launch action, wherever it hides (catalog, pages,
annotations, name trees, object streams) – the parser has already decoded ``#xx`` name
escapes, so ``/J#61vaScript`` is caught too.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

MAX_OBJECTS = 200_000  # a 10 MB PDF with more objects than this is not a letter from a landlord
MAX_DEPTH = 64
MAX_PAGES = 2_000
ACTIVE_ACTIONS = {"/JavaScript", "/Launch"}


class _Active(Exception):
    """Raised from deep inside the walk as soon as active content is seen."""


def problem(data: bytes) -> str | None:
    """None for an acceptable PDF, else the refusal code (``malformed_pdf``, ``encrypted_pdf``, ``active_pdf``)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return "encrypted_pdf"
        if _page_count(reader) < 1:
            return "malformed_pdf"
        _scan_objects(reader)
    except _Active:
        return "active_pdf"
    except Exception:  # pyHanko raises many kinds of errors on hostile input
        return "malformed_pdf"
    return None


def _page_count(reader: PdfFileReader) -> int:
    """Count the leaves of the page tree, refusing cycles and absurd sizes."""
    pages = 0
    stack = [reader.root.raw_get("/Pages")]
    seen: set[tuple[int, int]] = set()
    while stack:
        ref = stack.pop()
        if not isinstance(ref, generic.IndirectObject):
            raise ValueError("page tree node is not an indirect object")
        key = (ref.idnum, ref.generation)
        if key in seen:
            raise ValueError("cycle in the page tree")
        seen.add(key)
        node = ref.get_object()
        if not isinstance(node, generic.DictionaryObject):
            raise ValueError("page tree node is not a dictionary")
        if "/Kids" in node:
            kids = node["/Kids"]
            if not isinstance(kids, generic.ArrayObject):
                raise ValueError("/Kids is not an array")
            stack.extend(kids.raw_get(i) for i in range(len(kids)))
        else:
            pages += 1
        if pages > MAX_PAGES or len(seen) > MAX_OBJECTS:
            raise ValueError("page tree too large")
    return pages


def _scan_objects(reader: PdfFileReader) -> None:
    count = 0
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            count += 1
            if count > MAX_OBJECTS:
                raise ValueError("too many objects")
            _check(ref.get_object(), 0)


def _check(obj: object, depth: int) -> None:
    """Look through direct objects; indirect ones are visited by the object loop themselves."""
    if depth > MAX_DEPTH:
        raise ValueError("objects nested too deeply")
    if isinstance(obj, generic.DictionaryObject):
        if "/JS" in obj or "/JavaScript" in obj:
            raise _Active
        action = obj.raw_get("/S") if "/S" in obj else None
        if isinstance(action, generic.NameObject) and str(action) in ACTIVE_ACTIONS:
            raise _Active
        for key in obj:
            _check(obj.raw_get(key), depth + 1)
    elif isinstance(obj, generic.ArrayObject):
        for i in range(len(obj)):
            _check(obj.raw_get(i), depth + 1)
