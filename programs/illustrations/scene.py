"""An exercise scene: two poses, props, highlight and arrows, composed into one SVG."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .props import Prop
from .skeleton import Body, FrontPose, Point, Pose, front_body, pose_body
from .svg import (
    ACCENT,
    ACCENT_FAR,
    FLOOR_FILL,
    GHOST,
    PROP_LINE,
    Shape,
    arc_arrow,
    bounds,
    curved_arrow,
    document,
    frame,
    front_figure,
    line,
    only,
    recolor,
    rect,
    side_figure,
)

PHASES = ("start", "end")


@dataclass(frozen=True)
class Arrow:
    """Movement arrow for the end picture.

    kind "move": from where `joint` was at the start to where it is at the end (+ offset),
    bulging sideways by `bend`.  kind "arc": a circular arc of `radius` round the end
    position of `joint` (+ offset) from angle a0 to a1 (degrees, counter-clockwise).
    """

    joint: str
    kind: str = "move"
    offset: Point = (0.0, 0.0)
    bend: float = 0.3
    radius: float = 10.0
    a0: float = 0.0
    a1: float = 90.0
    # kind "nudge": a short straight-ish arrow of this vector from the end joint (+ offset),
    # for movements too small to draw start-to-end (pelvic tilt, chin tuck, breathing).
    vector: Point = (0.0, 10.0)


@dataclass(frozen=True)
class Exercise:
    start: Pose | FrontPose
    end: Pose | FrontPose
    highlight: tuple[str, ...] = ()  # body parts that move, e.g. "leg_n", "arm_f.fore", "torso"
    arrows: tuple[Arrow, ...] = ()
    props: tuple[Prop, ...] = ()  # drawn behind the figure
    front_props: tuple[Prop, ...] = ()  # drawn over it (bands, straps)
    anchor: str = "hip"  # joint kept at the same x in both pictures
    floor: bool = True
    # Pale copy of the moving parts where they started.  Off where a ghost of a whole trunk
    # would be a confusing blob rather than a hint.
    ghost: bool = True


def figure_shapes(body: Body) -> list[Shape]:
    """The drawn shapes of a posed body (side view, or front / top view)."""
    return side_figure(body) if "mid" in body.joints else front_figure(body)


def place(pose: Pose | FrontPose, anchor: str) -> Body:
    """Pose the body and put it on the ground with the anchor joint at x = pose.x."""
    if isinstance(pose, FrontPose):
        return front_body(pose)
    body = pose_body(pose)
    dy = 0.0
    if pose.hip_y is None:
        # Drop (or raise) the figure until its lowest point rests on the support.
        dy = pose.ground - bounds(figure_shapes(body))[1]
    return body.shifted(pose.x - body.joints[anchor][0], dy)


def _arrows(ex: Exercise, start: Body, end: Body) -> list[Shape]:
    out: list[Shape] = []
    for a in ex.arrows:
        ox, oy = a.offset
        if a.kind == "arc":
            cx, cy = end.joints[a.joint]
            out.extend(arc_arrow((cx + ox, cy + oy), a.radius, a.a0, a.a1))
        elif a.kind == "nudge":
            cx, cy = end.joints[a.joint]
            p0 = (cx + ox, cy + oy)
            out.extend(curved_arrow(p0, (p0[0] + a.vector[0], p0[1] + a.vector[1]), a.bend))
        else:
            (x0, y0), (x1, y1) = start.joints[a.joint], end.joints[a.joint]
            # Start a little after the old position and stop short of the new one.
            p0 = (x0 + (x1 - x0) * 0.12 + ox, y0 + (y1 - y0) * 0.12 + oy)
            p1 = (x0 + (x1 - x0) * 0.9 + ox, y0 + (y1 - y0) * 0.9 + oy)
            out.extend(curved_arrow(p0, p1, a.bend))
    return out


def scene_shapes(ex: Exercise, phase: str) -> tuple[list[Shape], bool]:
    start = place(ex.start, ex.anchor)
    end = place(ex.end, ex.anchor)
    cur = start if phase == "start" else end
    shapes: list[Shape] = []
    for prop in ex.props:
        shapes.extend(prop(start, end, cur))
    figure = figure_shapes(cur)
    if phase == "end":
        if ex.ghost:
            ghost = only(figure_shapes(start), ex.highlight)
            shapes.extend(recolor(ghost, ex.highlight, GHOST, GHOST))
        figure = recolor(figure, ex.highlight, ACCENT, ACCENT_FAR)
    shapes.extend(figure)
    for prop in ex.front_props:
        shapes.extend(prop(start, end, cur))
    if phase == "end":
        shapes.extend(_arrows(ex, start, end))
    return shapes, ex.floor


# Drawing a picture costs about 0.4 ms and every Today page, builder row and handout
# draws the same few dozen again. A picture is a pure function of its pose data (the
# frozen, value-hashed Exercise: a changed pose is a new key, never a stale picture),
# phase and words; the words are exercise names, not patient data.
@functools.lru_cache(maxsize=1024)
def render(ex: Exercise, phase: str, title: str, caption: str = "") -> str:
    if phase not in PHASES:
        raise ValueError(f"phase must be 'start' or 'end', not {phase!r}")
    # Frame both pictures identically so the pair lines up side by side on the page.
    start_shapes, floor = scene_shapes(ex, "start")
    end_shapes, _ = scene_shapes(ex, "end")
    view = frame(bounds(start_shapes + end_shapes), floor)
    shapes = start_shapes if phase == "start" else end_shapes
    if floor:
        left, _, width, _ = view
        ground = [
            rect(left, -10.0, left + width, 0.0, FLOOR_FILL),
            line(((left, 0.0), (left + width, 0.0)), 1.2, PROP_LINE),
        ]
        shapes = ground + shapes
    return document(shapes, view, title, caption)
