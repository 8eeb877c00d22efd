"""Uploads are judged by their bytes: real images and PDFs made here, then bent and broken."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from videoschalter.cases.texts import ENGLISH
from videoschalter.cases.uploads import MAX_PIXELS, CheckedFile, UploadRefused, check_upload, safe_filename

MB = 1024 * 1024
GPS_IFD = 0x8825


def jpeg_with_gps(size=(64, 48), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1] // 4))  # a marker in the top-left corner
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"  # Make
    exif[0x9286] = "GEHEIMER KOMMENTAR"  # UserComment (in the main IFD, written as bytes anyway)
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 18.0)})
    if orientation is not None:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def png(size=(40, 30), mode="RGBA", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 10, 128) if mode == "RGBA" else (10, 120, 10)).save(out, "PNG", **save)
    return out.getvalue()


def pdf(**kw) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, **kw)
    c.drawString(72, 720, "Wohnungsgeberbestätigung")
    c.showPage()
    c.save()
    return out.getvalue()


def with_javascript(data: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    action = generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject("app.alert('hallo')"),
    })
    writer.root[generic.NameObject("/OpenAction")] = writer.add_object(action)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refused(data: bytes, name: str = "datei", max_bytes: int = 10 * MB) -> UploadRefused:
    with pytest.raises(UploadRefused) as info:
        check_upload(data, name, max_bytes)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.message and err.message == str(err)
    assert err.template in ENGLISH  # every refusal can be shown in English
    assert err.localized("en") != err.message and err.localized("xx") == err.message
    return err


# -- images -------------------------------------------------------------------------------------------------------

def test_jpeg_is_reencoded_without_exif_and_gps():
    data = jpeg_with_gps()
    assert b"GEHEIMER KOMMENTAR" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    checked = check_upload(data, "foto.jpeg", 10 * MB)
    assert isinstance(checked, CheckedFile)
    assert checked.mime == "image/jpeg" and checked.name == "foto.jpg"
    assert checked.data != data and checked.data.startswith(b"\xff\xd8\xff")
    assert b"GEHEIMER KOMMENTAR" not in checked.data and b"Kamerahersteller" not in checked.data
    assert b"Exif" not in checked.data
    again = Image.open(io.BytesIO(checked.data))
    assert not again.getexif() and again.size == (64, 48)
    assert checked.sha256 == hashlib.sha256(checked.data).hexdigest()
    assert checked.size == len(checked.data)


def test_exif_orientation_is_applied_before_it_is_dropped():
    # orientation 6: the camera was turned; viewers rotate 90° clockwise to show it upright
    checked = check_upload(jpeg_with_gps(size=(64, 48), orientation=6), "hochkant.jpg", 10 * MB)
    image = Image.open(io.BytesIO(checked.data))
    assert image.size == (48, 64)
    assert not image.getexif()
    # the blue marker from the top-left corner is now in the top-right corner
    r, _g, b = image.convert("RGB").getpixel((44, 3))
    assert b > 150 and r < 100


def test_png_with_appended_bytes_keeps_only_the_pixels():
    hidden = b"PK\x03\x04 ein verstecktes ZIP-Archiv " * 20
    checked = check_upload(png() + hidden, "bild.png", 10 * MB)
    assert checked.mime == "image/png"
    assert b"verstecktes" not in checked.data
    image = Image.open(io.BytesIO(checked.data))
    assert image.mode == "RGBA" and image.getpixel((0, 0)) == (10, 120, 10, 128)


def test_png_text_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Erika Mustermann, Hauptstraße 1")
    checked = check_upload(png(mode="RGB", pnginfo=info), "scan.PNG", 10 * MB)
    assert b"Mustermann" not in checked.data
    assert Image.open(io.BytesIO(checked.data)).mode == "RGB"


def test_truncated_jpeg_is_a_malformed_image():
    data = jpeg_with_gps(size=(300, 200))
    err = refused(data[: len(data) // 2], "foto.jpg")
    assert (err.code, err.status) == ("malformed_image", 422)


def test_decompression_bomb_png_is_refused_before_decoding():
    # 10000 x 10000 pixels (100 MP, 100 MB decoded) of one colour compress to about 100 kilobytes
    width = height = 10_000
    packer = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * width  # filter byte + one grey byte per pixel
    raw = b"".join(packer.compress(row * 1000) for _ in range(height // 1000)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    bomb += chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    assert len(bomb) < MB and width * height > MAX_PIXELS
    err = refused(bomb, "bombe.png")  # Pillow itself would only warn at this size, and decode 100 MB
    assert (err.code, err.status) == ("too_large", 413)
    assert "Megapixel" in err.message


def test_image_just_over_the_pixel_limit_is_refused():
    # below Pillow's own bomb threshold, above ours: our check must catch it
    out = io.BytesIO()
    Image.new("L", (8000, 5001)).save(out, "PNG")
    assert refused(out.getvalue(), "gross.png").code == "too_large"


def encoded(image: Image.Image, fmt: str, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "mode", "pixel"),
    [
        (encoded(Image.new("P", (8, 8), 0), "PNG", transparency=0), "RGBA", (0, 0, 0, 0)),
        (encoded(Image.new("I;16", (8, 8), 40000), "PNG"), "L", 156),  # 16-bit grey scaled, not clipped to white
        (encoded(Image.new("LA", (8, 8), (100, 50)), "PNG"), "LA", (100, 50)),
        (encoded(Image.new("1", (8, 8), 1), "PNG"), "L", 255),
        (encoded(Image.new("L", (8, 8), 100), "JPEG"), "L", 100),
        (encoded(Image.new("CMYK", (8, 8), (0, 255, 0, 0)), "JPEG"), "RGB", None),
        (encoded(Image.new("RGB", (8, 8), (200, 100, 50)), "JPEG", progressive=True), "RGB", None),
    ],
)
def test_image_modes_survive_reencoding(data, mode, pixel):
    image = Image.open(io.BytesIO(check_upload(data, "x", MB).data))
    assert image.mode == mode
    if pixel is not None:
        assert image.getpixel((0, 0)) == pixel


# -- PDFs ---------------------------------------------------------------------------------------------------------

def test_valid_pdf_is_kept_as_sent():
    data = pdf()
    checked = check_upload(data, "Wohnungsgeberbestätigung.pdf", 10 * MB)
    assert checked.data == data
    assert checked.mime == "application/pdf"
    assert checked.name == "Wohnungsgeberbestätigung.pdf"
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_truncated_pdf_is_malformed():
    data = pdf()
    err = refused(data[: len(data) * 2 // 3], "abgebrochen.pdf")
    assert (err.code, err.status) == ("malformed_pdf", 422)


def test_encrypted_pdf_is_refused():
    err = refused(pdf(encrypt="geheim"), "passwort.pdf")
    assert (err.code, err.status) == ("encrypted_pdf", 422)
    assert "Passwort" in err.message


def test_pdf_with_javascript_is_refused():
    err = refused(with_javascript(pdf()), "skript.pdf")
    assert (err.code, err.status) == ("active_pdf", 422)


def test_text_file_named_pdf_is_unsupported():
    err = refused(b"Das ist nur Text, kein PDF.\n", "rechnung.pdf")
    assert (err.code, err.status) == ("unsupported_type", 415)


def test_jpeg_renamed_pdf_is_stored_as_jpeg():
    checked = check_upload(jpeg_with_gps(), "vertrag.pdf", 10 * MB)
    assert checked.mime == "image/jpeg"
    assert checked.name == "vertrag.jpg"


def test_pdf_header_with_garbage_is_malformed():
    assert refused(b"%PDF-1.7\n" + b"\x00garbage" * 100, "kaputt.pdf").code == "malformed_pdf"


# -- size and emptiness -------------------------------------------------------------------------------------------

def test_empty_data_is_refused():
    err = refused(b"", "leer.pdf")
    assert (err.code, err.status) == ("empty", 400)


def test_oversized_file_is_refused_before_parsing():
    data = b"%PDF-1.7\n" + b"0" * (2 * MB - 9)
    err = refused(data, "gross.pdf", max_bytes=MB)
    assert (err.code, err.status) == ("too_large", 413)
    assert "höchstens 1 MB" in err.message
    assert err.localized("en") == "The file is too large (2 MB); at most 1 MB are allowed."


def test_file_of_exactly_the_limit_passes():
    data = pdf()
    assert check_upload(data, "a.pdf", len(data)).data == data


# -- names --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\erika\\Scan 01.PDF", "application/pdf", "Scan 01.pdf"),
        ("Mietvertrag\u202efdp.exe", "image/png", "Mietvertragfdp.png"),
        ("a\x00b\nc.jpg", "image/jpeg", "abc.jpg"),
        ("", "image/png", "Dokument.png"),
        ("...", "application/pdf", "Dokument.pdf"),
        ('bad<>:"|?*name.pdf', "application/pdf", "bad_______name.pdf"),
        ("foto.heic", "image/jpeg", "foto.jpg"),
        ("Straße.png", "image/png", "Straße.png"),
        ("Vertrag v1.2", "application/pdf", "Vertrag v1.2.pdf"),
    ],
)
def test_safe_filename(name, mime, expected):
    assert safe_filename(name, mime) == expected


def test_long_names_are_cut_to_100_characters_with_the_extension():
    name = safe_filename("x" * 500 + ".pdf", "application/pdf")
    assert len(name) == 100 and name.endswith("x.pdf")


@settings(max_examples=100, deadline=None)
@given(seed=st.sampled_from(["jpeg", "png"]), edits=st.lists(st.tuples(st.integers(0, 100_000), st.binary(max_size=8)),
                                                            min_size=1, max_size=6))
def test_mutated_images_are_stored_clean_or_refused(seed, edits):
    data = bytearray(jpeg_with_gps() if seed == "jpeg" else png())
    for position, replacement in edits:
        position %= len(data)
        data[position : position + len(replacement)] = replacement
    try:
        checked = check_upload(bytes(data), "x", 10 * MB)
    except UploadRefused as err:
        assert err.code in ("unsupported_type", "malformed_image", "too_large", "malformed_pdf", "encrypted_pdf",
                            "active_pdf")
        return
    Image.open(io.BytesIO(checked.data)).load()  # what passes is a readable image
    assert b"GEHEIMER KOMMENTAR" not in checked.data
