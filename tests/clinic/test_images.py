from __future__ import annotations

import io
import os
import re
import struct
import zlib

import pytest
from django import forms
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, PngImagePlugin

from clinic.lib import images
from clinic.lib.images import (
    NOT_A_PICTURE,
    TOO_MANY_PIXELS,
    ImageRejected,
    SanitizedImageField,
    image_dimensions,
    sanitize_upload,
)

TOO_LARGE = "This photo is larger than 5 MB. Please upload a smaller one."


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo(size: tuple[int, int] = (300, 200), mode: str = "RGB") -> Image.Image:
    """A picture with some structure, so encoders behave as they would on a real photo."""
    return Image.linear_gradient("L").resize(size).convert(mode)


def noise(size: tuple[int, int]) -> Image.Image:
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def blank_1bit_png(width: int, height: int) -> bytes:
    """A valid black PNG written by hand: Pillow would need width*height bytes of memory."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def rejection(data: bytes, name: str = "photo.png", **kwargs) -> str:
    with pytest.raises(ImageRejected) as caught:
        sanitize_upload(upload(data, name), **kwargs)
    return str(caught.value)


def opened(result: ContentFile) -> Image.Image:
    return Image.open(io.BytesIO(result.read()))


# What gets rejected


def test_it_rejects_a_text_file_renamed_png():
    assert rejection(b"Dear clinic, here are my exercises.\n", "photo.png") == NOT_A_PICTURE


def test_it_rejects_a_pdf():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert rejection(pdf, "photo.jpg") == NOT_A_PICTURE


def test_it_rejects_a_gif():
    assert rejection(encode(photo(), "GIF"), "photo.gif") == NOT_A_PICTURE


def test_it_rejects_an_svg():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script/></svg>'
    assert rejection(svg, "photo.svg") == NOT_A_PICTURE


def test_it_rejects_a_truncated_jpeg():
    data = encode(noise((400, 300)), "JPEG")
    assert rejection(data[: len(data) // 2], "photo.jpg") == NOT_A_PICTURE


def test_it_rejects_a_png_with_a_corrupted_checksum():
    data = bytearray(encode(noise((64, 64)), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 20] ^= 0xFF
    assert rejection(bytes(data)) == NOT_A_PICTURE


def test_it_rejects_an_empty_file():
    assert "empty" in rejection(b"", "photo.jpg", max_bytes=100)


def test_it_rejects_a_6_mb_photo_before_decoding_it(monkeypatch):
    data = encode(noise((1500, 1400)), "PNG")
    assert len(data) > 6 * 1024 * 1024

    def must_not_decode(*args, **kwargs):
        raise AssertionError("the size check should stop the upload before Pillow sees it")

    monkeypatch.setattr(images.Image, "open", must_not_decode)
    assert rejection(data) == TOO_LARGE


def test_it_never_reads_past_the_limit_when_the_size_is_wrong():
    class LyingUpload:
        name = "photo.jpg"
        size = 10  # a file-like whose size cannot be trusted

        def __init__(self, data: bytes) -> None:
            self.stream = io.BytesIO(data)
            self.bytes_read = 0

        def read(self, size: int = -1) -> bytes:
            chunk = self.stream.read(size)
            self.bytes_read += len(chunk)
            return chunk

    lying = LyingUpload(b"\xff" * 5000)
    with pytest.raises(ImageRejected) as caught:
        sanitize_upload(lying, max_bytes=1000)
    assert caught.value.code == "too_large"
    assert lying.bytes_read == 1001


def test_it_rejects_a_decompression_bomb():
    data = blank_1bit_png(20_000, 20_000)
    assert len(data) < 1024 * 1024  # 400 megapixels in a small file is the whole trick
    with pytest.raises(ImageRejected) as caught:
        sanitize_upload(upload(data, "photo.png"))
    assert str(caught.value) == TOO_MANY_PIXELS
    assert isinstance(caught.value.__cause__, Image.DecompressionBombError)


def test_it_turns_pillows_bomb_warning_into_a_rejection():
    # 100 MP sits between Pillow's warning and error thresholds.
    assert Image.MAX_IMAGE_PIXELS < 100_000_000 < 2 * Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageRejected) as caught:
        sanitize_upload(upload(blank_1bit_png(10_000, 10_000), "photo.png"))
    assert str(caught.value) == TOO_MANY_PIXELS
    assert isinstance(caught.value.__cause__, Image.DecompressionBombWarning)


def test_it_rejects_more_pixels_than_its_own_limit():
    assert rejection(blank_1bit_png(7_000, 7_000)) == TOO_MANY_PIXELS
    assert rejection(encode(photo((200, 200)), "PNG"), max_pixels=100) == TOO_MANY_PIXELS


# What gets accepted


@pytest.mark.parametrize(
    ("fmt", "name", "extension"),
    [("JPEG", "photo.jpg", "jpg"), ("PNG", "photo.png", "png"), ("WEBP", "photo.webp", "webp")],
)
def test_it_accepts_jpeg_png_and_webp(fmt, name, extension):
    result = sanitize_upload(upload(encode(photo(), fmt), name))
    assert result.name.endswith(f".{extension}")
    image = opened(result)
    assert image.format == fmt
    assert image.size == (300, 200)


def test_it_trusts_the_content_not_the_file_name():
    result = sanitize_upload(upload(encode(photo(), "PNG"), "photo.jpg", "image/jpeg"))
    assert result.name.endswith(".png")
    assert opened(result).format == "PNG"


def test_it_treats_a_phone_mpo_as_a_jpeg():
    data = encode(photo(), "MPO", save_all=True, append_images=[photo()])
    result = sanitize_upload(upload(data))
    assert result.name.endswith(".jpg")
    assert opened(result).format == "JPEG"


def test_it_converts_a_cmyk_jpeg_to_rgb():
    result = sanitize_upload(upload(encode(photo(mode="CMYK"), "JPEG")))
    assert opened(result).mode == "RGB"


def test_it_scales_a_4000_by_3000_jpeg_down_to_1600_by_1200():
    result = sanitize_upload(upload(encode(photo((4000, 3000)), "JPEG")))
    assert image_dimensions(result.read()) == (1600, 1200)


def test_it_limits_the_longest_side_of_a_portrait_png():
    result = sanitize_upload(upload(encode(photo((1000, 2400)), "PNG"), "tall.png"))
    assert image_dimensions(result.read()) == (667, 1600)


def test_it_does_not_upscale_a_small_image():
    result = sanitize_upload(upload(encode(photo((120, 80)), "JPEG")))
    assert image_dimensions(result.read()) == (120, 80)


def test_it_reencodes_jpeg_as_progressive():
    result = sanitize_upload(upload(encode(photo(), "JPEG")))
    assert opened(result).info.get("progressive") == 1


# What gets removed


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Limber Test Phone"  # Make
    exif[0x8825] = {  # GPSInfo: where the patient's home is
        1: "N",
        2: (52.0, 22.0, 31.0),
        3: "E",
        4: (4.0, 53.0, 52.0),
    }
    return exif


def test_it_drops_exif_with_the_gps_location_from_a_jpeg():
    data = encode(photo(), "JPEG", exif=gps_exif())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    output = sanitize_upload(upload(data)).read()

    assert len(Image.open(io.BytesIO(output)).getexif()) == 0
    assert b"Exif" not in output
    assert b"Limber Test Phone" not in output


def test_it_drops_comments_xmp_and_icc_from_a_jpeg():
    data = encode(
        photo(),
        "JPEG",
        comment=b"secret-comment",
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
        icc_profile=b"secret-icc",
    )
    assert b"secret-comment" in data and b"secret-xmp" in data

    output = sanitize_upload(upload(data)).read()

    assert b"secret" not in output
    assert b"ICC_PROFILE" not in output
    assert "comment" not in Image.open(io.BytesIO(output)).info


def test_it_drops_exif_and_text_from_a_png():
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "secret-text")
    data = encode(photo(), "PNG", exif=gps_exif(), pnginfo=text)

    output = sanitize_upload(upload(data, "photo.png")).read()

    assert b"secret-text" not in output
    assert b"eXIf" not in output and b"Exif" not in output
    assert len(Image.open(io.BytesIO(output)).getexif()) == 0


def test_it_drops_exif_and_xmp_from_a_webp():
    data = encode(photo(), "WEBP", exif=gps_exif(), xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>")
    assert b"secret-xmp" in data

    output = sanitize_upload(upload(data, "photo.webp")).read()

    assert b"secret-xmp" not in output
    assert b"Exif" not in output and b"EXIF" not in output
    assert len(Image.open(io.BytesIO(output)).getexif()) == 0


def test_it_applies_the_exif_orientation():
    # Stored sideways with a red corner top-left; orientation 6 means "turn clockwise to view".
    stored = Image.new("RGB", (300, 200), "white")
    stored.paste((255, 0, 0), (0, 0, 60, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    data = encode(stored, "JPEG", exif=exif, quality=95)

    upright = opened(sanitize_upload(upload(data)))

    assert upright.size == (200, 300)
    red, green, blue = upright.convert("RGB").getpixel((200 - 30, 30))
    assert red > 200 and green < 60 and blue < 60
    assert len(upright.getexif()) == 0


# What gets kept


def test_it_keeps_png_transparency():
    source = Image.new("RGBA", (40, 40), (0, 128, 255, 0))
    source.paste((0, 128, 255, 255), (0, 0, 20, 40))
    result = opened(sanitize_upload(upload(encode(source, "PNG"), "logo.png")))

    assert result.mode == "RGBA"
    assert result.getpixel((5, 5)) == (0, 128, 255, 255)
    assert result.getpixel((35, 5))[3] == 0


def test_it_keeps_transparency_from_a_palette_png():
    source = Image.new("P", (40, 40), 0)
    source.putpalette([255, 255, 255, 200, 0, 0])
    source.paste(1, (0, 0, 20, 40))
    data = encode(source, "PNG", transparency=0)

    result = opened(sanitize_upload(upload(data, "logo.png")))

    assert result.mode == "RGBA"
    assert result.getpixel((5, 5)) == (200, 0, 0, 255)
    assert result.getpixel((35, 5))[3] == 0


def test_it_keeps_webp_transparency():
    source = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    source.paste((0, 200, 0, 255), (0, 0, 20, 40))
    result = opened(sanitize_upload(upload(encode(source, "WEBP"), "logo.webp")))

    assert result.mode == "RGBA"
    assert result.getpixel((35, 5))[3] == 0


def test_it_scales_16_bit_grey_instead_of_clipping_it():
    source = Image.new("I;16", (20, 20), 32768)
    result = opened(sanitize_upload(upload(encode(source, "PNG"), "scan.png")))
    assert result.mode == "L"
    assert result.getpixel((0, 0)) == 128


# Naming


def test_it_gives_the_output_a_fresh_random_name():
    data = encode(photo(), "JPEG")
    first = sanitize_upload(upload(data, "../../etc/passwd.jpg"))
    second = sanitize_upload(upload(data, "../../etc/passwd.jpg"))

    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", first.name)
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", second.name)
    assert first.name != second.name


def test_image_dimensions_refuses_other_formats():
    with pytest.raises(ImageRejected):
        image_dimensions(encode(photo(), "GIF"))


# The form field


class PhotoForm(forms.Form):
    photo = SanitizedImageField()


def test_the_form_field_returns_the_sanitized_file():
    data = encode(photo((3000, 1500)), "JPEG", exif=gps_exif())
    form = PhotoForm(data={}, files={"photo": upload(data, "holiday.jpg")})

    assert form.is_valid()
    cleaned = form.cleaned_data["photo"]
    assert isinstance(cleaned, ContentFile)
    assert cleaned.name != "holiday.jpg"
    output = cleaned.read()
    assert image_dimensions(output) == (1600, 800)
    assert b"Exif" not in output


def test_the_form_field_shows_the_message_on_bad_input():
    form = PhotoForm(data={}, files={"photo": upload(b"not a picture", "photo.png")})

    assert not form.is_valid()
    assert form.errors["photo"] == [NOT_A_PICTURE]


def test_the_form_field_shows_the_size_message():
    field = SanitizedImageField(max_bytes=5 * 1024 * 1024)
    too_big = SimpleUploadedFile("photo.jpg", b"\0" * (5 * 1024 * 1024 + 1))

    with pytest.raises(forms.ValidationError) as caught:
        field.clean(too_big)
    assert caught.value.messages == [TOO_LARGE]
    assert caught.value.code == "too_large"


def test_the_form_field_asks_the_browser_for_pictures_only():
    html = str(PhotoForm()["photo"])
    assert 'accept="image/jpeg,image/png,image/webp"' in html


def test_the_form_field_leaves_an_existing_file_alone():
    field = SanitizedImageField(required=False)
    assert field.clean(None, initial="clinic/logo.png") == "clinic/logo.png"
    assert field.clean(None) is None


def test_truncated_files_stay_refused_after_weasyprint_is_imported():
    """WeasyPrint switches Pillow to accepting truncated images, for the whole process."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    full = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 120, 90)).save(full, "JPEG")
    truncated = SimpleUploadedFile("cut.jpg", full.getvalue()[: len(full.getvalue()) // 2])
    with pytest.raises(ImageRejected):
        sanitize_upload(truncated)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for WeasyPrint
