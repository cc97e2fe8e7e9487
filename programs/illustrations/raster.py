"""The drawings as JPEG pictures, for print.

WeasyPrint draws an SVG picture shape by shape, in Python, every time it renders a
document: the drawings were about a quarter of a handout's render time. A JPEG it copies
into the PDF as it is. So printed handouts carry the same drawings made into pictures,
once, by CairoSVG (a library made for exactly this, by WeasyPrint's authors). Web pages
keep the SVG.
"""

from __future__ import annotations

import io

import cairosvg
import PIL.Image

from . import render_svg

PRINT_DPI = 350
# Quality 90 with no colour subsampling keeps the edges of the thin teal and slate lines
# sharp at print size; a picture is then about 18 KB.
JPEG_QUALITY = 90


def pixels_for(width_mm: float) -> int:
    """Picture width in pixels for `width_mm` of paper at PRINT_DPI."""
    return round(width_mm / 25.4 * PRINT_DPI)


def drawing_jpeg(slug: str, phase: str, *, caption: str, width_px: int) -> bytes:
    """One phase of an exercise's drawing, `caption` under it, `width_px` wide, on white.

    Raises KeyError for an unknown slug and ValueError for any other phase."""
    svg = render_svg(slug, phase, caption=caption)
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=width_px, background_color="white")
    out = io.BytesIO()
    with PIL.Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").save(
            out, format="JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True
        )
    return out.getvalue()
