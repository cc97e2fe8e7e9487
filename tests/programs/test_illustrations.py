from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from programs.illustrations import ILLUSTRATED_SLUGS, has_illustration, render_svg

SVG_NS = "{http://www.w3.org/2000/svg}"

EXPECTED_SLUGS = {
    "cat-cow",
    "knee-to-chest-single",
    "knee-to-chest-double",
    "pelvic-tilt",
    "prayer-stretch",
    "lower-trunk-rotation",
    "bird-dog",
    "glute-bridge",
    "dead-bug",
    "side-plank",
    "plank",
    "clamshell",
    "curl-up",
    "prone-press-up",
    "hamstring-stretch-supine",
    "hip-flexor-stretch-kneeling",
    "piriformis-stretch",
    "wall-squat",
    "heel-raise",
    "chin-tuck",
    "scapular-squeeze",
    "doorway-chest-stretch",
    "upper-trap-stretch",
    "levator-scapulae-stretch",
    "neck-rotation",
    "shoulder-rolls",
    "wall-angel",
    "pendulum",
    "band-external-rotation",
    "band-row",
    "sit-to-stand",
    "straight-leg-raise",
    "quad-set",
    "heel-slide",
    "side-lying-hip-abduction",
    "single-leg-balance",
    "calf-stretch-wall",
    "diaphragmatic-breathing",
    "walking",
    "seated-thoracic-rotation",
    "standing-back-extension",
    "step-up",
    "mini-squat",
    "hip-hinge",
    "prone-hip-extension",
    "thread-the-needle",
    "seated-hamstring-stretch",
    "sciatic-nerve-slider",
    "femoral-nerve-slider",
    "prone-lying",
    "prone-on-elbows",
    "rest-calves-on-chair",
    "side-lying-rest",
    "seated-forward-bend",
    "hip-hinge-weight",
    "farmer-carry",
    "suitcase-carry",
    "stationary-cycling",
    "walking-program",
    "marching-on-the-spot",
    "standing-hip-extension",
    "single-leg-bridge",
    "seated-march",
    "standing-hip-abduction",
    "short-arc-quad",
    "seated-knee-extension",
    "standing-hamstring-curl",
    "split-squat",
    "quad-stretch-standing",
    "ankle-pumps",
    "toe-raise",
    "calf-stretch-bent-knee",
    "wall-slide",
    "supine-arm-raise",
    "front-arm-raise",
    "wall-push-up",
    "tandem-stance",
    "single-leg-balance-free",
    "seated-slow-breathing",
    "tense-and-relax",
    "bird-dog-arm-reach",
    "seated-thoracic-extension",
}

ALL_SLUGS = sorted(EXPECTED_SLUGS)


def parse(svg: str) -> ET.Element:
    # Our own generated markup, not untrusted input: the stdlib parser is fine here.
    return ET.fromstring(svg)  # noqa: S314


def test_every_library_exercise_is_illustrated():
    assert EXPECTED_SLUGS <= ILLUSTRATED_SLUGS
    assert isinstance(ILLUSTRATED_SLUGS, frozenset)
    assert all(has_illustration(slug) for slug in EXPECTED_SLUGS)
    assert not has_illustration("no-such-exercise")


@pytest.mark.parametrize("slug", ALL_SLUGS)
@pytest.mark.parametrize("phase", ["start", "end"])
def test_renders_well_formed_accessible_svg(slug, phase):
    svg = render_svg(slug, phase, title=f"{slug} ({phase})")
    root = parse(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    view_box = root.get("viewBox").split()
    assert len(view_box) == 4
    assert float(view_box[2]) > 0
    assert float(view_box[3]) > 0
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == f"{slug} ({phase})"
    # Small enough to inline several on a page.
    assert len(svg) < 12_000


@pytest.mark.parametrize("slug", ALL_SLUGS)
def test_start_and_end_differ(slug):
    assert render_svg(slug, "start") != render_svg(slug, "end")


@pytest.mark.parametrize("slug", ALL_SLUGS)
def test_output_is_self_contained(slug):
    for phase in ("start", "end"):
        svg = render_svg(slug, phase, title="t").lower()
        for forbidden in ("href", "url(", "<image", "<script", "<foreignobject", " id=", "<text"):
            assert forbidden not in svg


def test_end_picture_uses_accent_colour_and_start_does_not():
    for slug in ALL_SLUGS:
        assert "#0f766e" in render_svg(slug, "end")
        assert "#0f766e" not in render_svg(slug, "start")


def test_rendering_is_deterministic():
    for slug in ALL_SLUGS:
        for phase in ("start", "end"):
            assert render_svg(slug, phase, title="x") == render_svg(slug, phase, title="x")


def test_title_is_escaped():
    svg = render_svg("plank", "start", title='<script>&"')
    assert "<script>" not in svg
    assert "&lt;script&gt;&amp;" in svg
    root = parse(svg)
    assert root.find(f"{SVG_NS}title").text == '<script>&"'


def test_default_title_is_empty_but_present():
    root = parse(render_svg("plank", "end"))
    assert root.find(f"{SVG_NS}title") is not None


def test_unknown_slug_raises_key_error():
    with pytest.raises(KeyError):
        render_svg("no-such-exercise", "start")


@pytest.mark.parametrize("phase", ["middle", "", "START", None])
def test_bad_phase_raises_value_error(phase):
    with pytest.raises(ValueError):
        render_svg("plank", phase)


def test_all_pictures_render_into_one_pdf_with_weasyprint(tmp_path):
    weasyprint = pytest.importorskip("weasyprint")
    cells = "".join(
        f"<figure>{render_svg(slug, phase, title=f'{slug} {phase}')}</figure>"
        for slug in ALL_SLUGS
        for phase in ("start", "end")
    )
    html = f"<html><body style='width:180mm'>{cells}</body></html>"
    out = tmp_path / "all.pdf"
    weasyprint.HTML(string=html).write_pdf(out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 10_000


def test_the_contact_sheet_is_written_as_png_pages_to_look_at():
    from tools.contact_sheet import build_pngs

    pages = build_pngs(["glute-bridge", "wall-slide", "plank"])
    assert len(pages) == 1 and pages[0].startswith(b"\x89PNG")
    assert len(build_pngs(sorted(ILLUSTRATED_SLUGS)[:11])) == 2  # ten exercises a page
