"""Moving pictures (programs.illustrations.motion): one small SVG per exercise whose paths
carry their shape at a few moments from the start pose to the end pose."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET

import pytest

from programs.illustrations import ILLUSTRATED_SLUGS
from programs.illustrations.motion import MOMENTS, PLANTED, blend, motion_svg
from programs.illustrations.poses import EXERCISES
from programs.illustrations.scene import place
from programs.illustrations.skeleton import distance

SLUGS = sorted(ILLUSTRATED_SLUGS)
SVG_NS = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
# Drawings where nothing can be blended, only stepped from moment to moment, with the reason.
STEPPED = {"neck-rotation": "only the head turns: its eyes slide and one goes out of sight"}


def frames_of(svg: str) -> list[list[str]]:
    root = ET.fromstring(svg)  # noqa: S314 - our own markup
    return [
        path.get("data-frames").split(";")
        for path in root.iter(f"{SVG_NS}path")
        if path.get("data-frames")
    ]


@pytest.mark.parametrize("slug", SLUGS)
def test_each_exercise_moves_in_a_few_kilobytes(slug):
    svg = motion_svg(slug, title="t")
    frames = frames_of(svg)
    assert frames, f"{slug}: nothing moves"
    assert len(gzip.compress(svg.encode())) < 1500  # as sent over the wire
    assert len(svg) < 6000
    assert all(len(moments) == len(MOMENTS) for moments in frames)
    # The browser blends number by number the paths whose moments share their commands.
    blended = [m for m in frames if len({NUMBER.sub("#", d) for d in m}) == 1]
    assert bool(blended) == (slug not in STEPPED), slug


@pytest.mark.parametrize("slug", SLUGS)
def test_the_movement_starts_and_ends_on_the_still_pictures(slug):
    """The first and last moments are the start and end poses the stills are drawn from."""
    ex = EXERCISES[slug]
    start, end = place(ex.start, ex.anchor), place(ex.end, ex.anchor)
    assert blend(start, end, 0.0).joints == start.joints
    assert blend(start, end, 1.0).joints == end.joints
    halfway = blend(start, end, 0.5).joints
    for name, point in halfway.items():
        # Half-way is between the two, never flung out beyond them.
        limit = distance(start.joints[name], end.joints[name]) + 10.0
        assert distance(point, start.joints[name]) <= limit, (slug, name)


def test_a_bone_keeps_its_length_as_it_swings():
    ex = EXERCISES["bird-dog"]
    start, end = place(ex.start, ex.anchor), place(ex.end, ex.anchor)
    for t in (0.25, 0.5, 0.75):
        j = blend(start, end, t).joints
        assert abs(distance(j["knee_n"], j["ankle_n"]) - 23.0) < 0.5


def test_the_motion_svg_is_self_contained_and_escapes_its_title():
    svg = motion_svg("glute-bridge", title='<script>&"')
    lower = svg.lower()
    for forbidden in ("href", "url(", "<image", "<script", "<foreignobject", " id="):
        assert forbidden not in lower
    assert "&lt;script&gt;" in svg


@pytest.mark.parametrize("slug", SLUGS)
def test_planted_hands_and_feet_stay_planted_while_moving(slug):
    """A foot on the floor or a hand on a chair in both pictures does not lift or slide out
    and back in between (the clamshell's feet stay together)."""
    ex = EXERCISES[slug]
    start, end = place(ex.start, ex.anchor), place(ex.end, ex.anchor)
    for t in (0.25, 0.5, 0.75):
        j = blend(start, end, t).joints
        for name in start.joints:
            if not name.startswith(("ankle_", "hand_")):
                continue
            a, b = start.joints[name], end.joints[name]
            if distance(a, b) < PLANTED:
                on_the_way = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                assert distance(j[name], on_the_way) < 0.01, (slug, name, t)
