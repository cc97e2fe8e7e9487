"""The printed drawings: the SVG drawings made into JPEG pictures."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat

from programs.illustrations import ILLUSTRATED_SLUGS
from programs.illustrations.raster import PRINT_DPI, drawing_jpeg, pixels_for

ACCENT = (15, 118, 110)  # the end picture's teal, #0f766e


def picture(slug: str, phase: str, width: int = 200, caption: str = "") -> Image.Image:
    image = Image.open(io.BytesIO(drawing_jpeg(slug, phase, caption=caption, width_px=width)))
    assert image.format == "JPEG"
    return image.convert("RGB")


def near(colour: tuple[int, ...], target: tuple[int, ...], slack: int = 40) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(colour, target, strict=True))


def test_pixels_for_a_paper_width():
    assert pixels_for(25.4) == PRINT_DPI
    assert pixels_for(36.6) == round(36.6 / 25.4 * PRINT_DPI)


@pytest.mark.parametrize("slug", sorted(ILLUSTRATED_SLUGS))
def test_every_drawing_makes_a_picture_with_the_figure_on_white(slug):
    for phase in ("start", "end"):
        image = picture(slug, phase)
        assert image.width == 200
        # White round the edge (no black background where the SVG is transparent) ...
        assert near(image.getpixel((0, 0)), (255, 255, 255), 8)
        # ... and a figure drawn in it.
        assert ImageStat.Stat(image.convert("L")).stddev[0] > 15


def test_the_end_picture_shows_the_accent_colour_and_the_start_does_not():
    for slug in ("glute-bridge", "cat-cow", "chin-tuck"):
        teal = {
            phase: sum(near(c, ACCENT) for c in picture(slug, phase).get_flattened_data())
            for phase in ("start", "end")
        }
        assert teal["end"] > 50 and teal["start"] == 0


def test_the_caption_is_printed_in_a_band_under_the_picture():
    plain = picture("plank", "start")
    captioned = picture("plank", "start", caption="Start")
    assert captioned.height > plain.height
    band = captioned.crop((0, plain.height, captioned.width, captioned.height))
    assert ImageStat.Stat(band.convert("L")).extrema[0][0] < 128  # dark letters in it


def test_unknown_drawings_are_refused():
    with pytest.raises(KeyError):
        drawing_jpeg("no-such-exercise", "start", caption="", width_px=100)
    with pytest.raises(ValueError):
        drawing_jpeg("plank", "middle", caption="", width_px=100)
