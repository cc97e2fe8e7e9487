"""Turn a clinic's uploaded photo into a small, clean picture we are happy to store and serve.

Uploads come from the open internet, so nothing about them is trusted: not the file name,
not the browser's content type, not the header's claims about size. Only JPEG, PNG and WebP
are decoded, and what we keep is a fresh re-encoding of the pixels, so no metadata (GPS
location from phones, camera serials, comments) and no smuggled payload survives.
"""

from __future__ import annotations

import contextlib
import io
import secrets
import warnings
from typing import TYPE_CHECKING, Any, Protocol

from django import forms
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

if TYPE_CHECKING:
    from PIL import Image

# Pillow itself is imported by the functions that decode (on an upload), not with this
# module, which every form that takes a photo imports: web workers that never see an
# upload stay smaller.


def __getattr__(name: str) -> Any:
    # images.Image and friends, as before, for whoever reaches for them (tests do).
    if name in ("Image", "ImageFile", "ImageOps"):
        import importlib

        return importlib.import_module(f"PIL.{name}")
    raise AttributeError(name)


DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_SIDE = 1600
# A 40 MP photo is beyond any phone camera we expect and still decodes in about 160 MB.
DEFAULT_MAX_PIXELS = 40_000_000

ACCEPTED_CONTENT_TYPES = "image/jpeg,image/png,image/webp"
# Pillow plugin ids. The JPEG plugin also opens MPO, which some phones write for normal photos.
_DECODABLE_FORMATS = ("JPEG", "PNG", "WEBP")
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

NOT_A_PICTURE = "This file is not a picture we can use. Upload a JPEG, PNG or WebP photo."
EMPTY_FILE = "This file is empty. Upload a JPEG, PNG or WebP photo."
TOO_MANY_PIXELS = "This photo is too large to process. Please upload a smaller one."


def _too_large_message(max_bytes: int) -> str:
    return (
        f"This photo is larger than {max_bytes / (1024 * 1024):g} MB. Please upload a smaller one."
    )


class ImageRejected(ValueError):
    """The upload cannot be used; the message is written for the person who uploaded it."""

    def __init__(self, message: str, code: str = "invalid_image") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class _Upload(Protocol):
    # Django's UploadedFile fits; .size and .seek() are used when present.
    def read(self, size: int = ..., /) -> bytes: ...


def sanitize_upload(
    uploaded: _Upload,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_side: int = DEFAULT_MAX_SIDE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ContentFile:
    """Return a re-encoded, metadata-free copy of the upload, or raise ImageRejected."""
    from PIL import Image

    data = _read_limited(uploaded, max_bytes)
    if not data:
        raise ImageRejected(EMPTY_FILE, code="empty")

    # Pillow only warns between its own limit and twice that; a warning would let the
    # decode go ahead, so it must stop us like the error does. Our max_pixels check is the
    # main guard; these catch anything Pillow notices first.
    with warnings.catch_warnings(), _strict_decoding():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open(data) as probe:
                _check_pixels(probe, max_pixels)
                probe.verify()
            # verify() leaves the image unusable, so decoding needs a second, fresh open.
            with _open(data) as image:
                fmt = "JPEG" if image.format == "MPO" else str(image.format)
                clean = _clean_pixels(image, fmt, max_side)
                encoded = _encode(clean, fmt)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(TOO_MANY_PIXELS, code="too_many_pixels") from exc
        except Exception as exc:
            # Broken or hostile files fail inside Pillow in many ways (OSError, SyntaxError,
            # struct.error, ...); for the uploader they all mean the same thing.
            raise ImageRejected(NOT_A_PICTURE, code="not_an_image") from exc

    return ContentFile(encoded, name=f"{secrets.token_hex(16)}.{_EXTENSIONS[fmt]}")


@contextlib.contextmanager
def _strict_decoding():
    """Refuse truncated files even though WeasyPrint, on import, tells Pillow to accept
    them process-wide (ImageFile.LOAD_TRUNCATED_IMAGES = True). Uploads are decoded only
    here, and PDFs render in a forked child, so flipping the flag briefly is safe."""
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def image_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height of an encoded picture in one of the formats we accept."""
    try:
        with _open(data) as image:
            return image.size
    except Exception as exc:
        raise ImageRejected(NOT_A_PICTURE, code="not_an_image") from exc


def _read_limited(uploaded: _Upload, max_bytes: int) -> bytes:
    too_large = ImageRejected(_too_large_message(max_bytes), code="too_large")
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise too_large

    # A form may already have peeked at the file; start from the top when we can.
    seek = getattr(uploaded, "seek", None)
    if callable(seek):
        seek(0)

    # .size can be missing or wrong for arbitrary file-likes, so the read itself is capped:
    # one byte past the limit is enough to know the file is too big.
    chunks: list[bytes] = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = uploaded.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise too_large
    return data


def _open(data: bytes) -> Image.Image:
    from PIL import Image

    return Image.open(io.BytesIO(data), formats=_DECODABLE_FORMATS)


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    # The header's dimensions are known before any pixel is decoded.
    width, height = image.size
    if width * height > max_pixels:
        raise ImageRejected(TOO_MANY_PIXELS, code="too_many_pixels")


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def _working_mode(image: Image.Image, fmt: str) -> str:
    if fmt == "JPEG":
        return "L" if image.mode == "L" else "RGB"
    if _has_alpha(image):
        return "RGBA"
    if image.mode in ("1", "L") or image.mode.startswith("I"):
        return "L"
    return "RGB"


def _to_mode(image: Image.Image, mode: str) -> Image.Image:
    if image.mode == mode:
        return image
    if image.mode.startswith("I") and mode == "L":
        # 16-bit grey would otherwise be clipped to white rather than scaled down.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    # convert() also turns palette or colour-key transparency into a real alpha channel.
    return image.convert(mode)


def _clean_pixels(image: Image.Image, fmt: str, max_side: int) -> Image.Image:
    # Convert before resizing: Pillow falls back to nearest-neighbour for palette and
    # 1-bit images. For JPEG in L/RGB nothing happens here, so thumbnail() can still ask
    # the decoder for a reduced-scale decode, which keeps big phone photos cheap.
    from PIL import Image, ImageOps

    working = _to_mode(image, _working_mode(image, fmt))
    # A square box limits the longest side whatever the orientation; never upscales.
    working.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    working.load()
    upright = ImageOps.exif_transpose(working)
    # Rebuild from raw pixels so nothing from the original container (EXIF, XMP, ICC,
    # comments, text chunks) can ride along into the saved file.
    return Image.frombytes(upright.mode, upright.size, upright.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    options: dict[str, Any]
    if fmt == "JPEG":
        options = {"quality": 85, "optimize": True, "progressive": True}
    elif fmt == "PNG":
        options = {"optimize": True}
    else:
        options = {"quality": 85}
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


class SanitizedImageField(forms.FileField):
    """A file field whose cleaned value is the sanitized picture, ready to save."""

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_side: int = DEFAULT_MAX_SIDE,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        **kwargs: Any,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_side = max_side
        self.max_pixels = max_pixels
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # Only a hint for the browser's file picker; the server decides what it accepts.
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ACCEPTED_CONTENT_TYPES
        return attrs

    def clean(self, data: Any, initial: Any = None) -> Any:
        cleaned = super().clean(data, initial)
        # Only a fresh upload needs work: the stored initial file was sanitized when it
        # arrived, and False means "clear".
        if not isinstance(cleaned, UploadedFile):
            return cleaned
        try:
            return sanitize_upload(
                cleaned,
                max_bytes=self.max_bytes,
                max_side=self.max_side,
                max_pixels=self.max_pixels,
            )
        except ImageRejected as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
