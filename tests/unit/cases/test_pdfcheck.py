"""Hand-built PDFs: active content hidden in the ways attackers hide it, and broken page trees."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic, writer

from videoschalter.cases.pdfcheck import problem

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def build(*objects: bytes) -> bytes:
    """A classic PDF with a correct xref table, so only the content decides."""
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def page(extra: bytes = b"") -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] " + extra + b" >>"


def test_plain_page_is_fine():
    assert problem(build(CATALOG, PAGES, page())) is None


@pytest.mark.parametrize(
    "extra",
    [
        # a link annotation whose action is JavaScript, names hex-escaped so a byte search misses them
        b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /J#61vaScript /J#53 (app.alert(1)) >> >>]",
        # an additional action starting a program when the page opens
        b"/AA << /O << /S /Launch /F (cmd.exe) >> >>",
        # JavaScript deep in nested arrays
        b"/Foo [[[[<< /JS (x) >>]]]]",
    ],
)
def test_active_content_is_found_wherever_it_hides(extra):
    data = build(CATALOG, PAGES, page(extra))
    assert b"/JavaScript" not in data
    assert problem(data) == "active_pdf"


def test_javascript_name_tree_in_the_catalog():
    catalog = b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>"
    names = b"<< /Names [(a) << /S /JavaScript /JS (app.alert(1)) >>] >>"
    assert problem(build(catalog, PAGES, page(), names)) == "active_pdf"


def test_javascript_inside_a_compressed_object_stream():
    pdf = writer.PdfFileWriter(stream_xrefs=True)
    pdf.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 100, 100)]),
    }))
    action = generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject("app.alert(1)"),
    })
    pdf.root[generic.NameObject("/OpenAction")] = pdf.add_object(action, obj_stream=pdf.prepare_object_stream())
    out = io.BytesIO()
    pdf.write(out)
    assert b"JavaScript" not in out.getvalue()  # compressed: invisible to a byte search
    assert problem(out.getvalue()) == "active_pdf"


@pytest.mark.parametrize(
    "objects",
    [
        (CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),  # page tree points at itself
        (CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>"),  # no pages
        (b"<< /Type /Catalog >>", PAGES, page()),  # no page tree
        (CATALOG, b"<< /Type /Pages /Kids 5 /Count 1 >>"),  # kids not an array
        (CATALOG, PAGES, b"(just a string)"),  # a page that is not a dictionary
    ],
)
def test_broken_page_trees_are_malformed(objects):
    assert problem(build(*objects)) == "malformed_pdf"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=4)), min_size=1, max_size=4))
def test_mutated_pdfs_never_raise(edits):
    data = bytearray(build(CATALOG, PAGES, page(b"/Annots [<< /Subtype /Link /Rect [0 0 1 1] >>]")))
    for position, replacement in edits:
        position %= len(data)
        data[position : position + len(replacement)] = replacement
    assert problem(bytes(data)) in (None, "malformed_pdf", "encrypted_pdf", "active_pdf")
