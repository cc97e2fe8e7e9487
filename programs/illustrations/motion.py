"""Moving pictures: an exercise's start and end poses, and the poses between them, as one
SVG whose paths carry their shape at a few moments of the movement.

The in-between bodies are blended from the two drawn bodies, bone by bone: each bone keeps
a sensible length and turns from its start direction to its end direction (a straight-line
blend of the joints would shrink a limb that swings). The browser (clinic/js/
exercise-motion.js) moves each path from one moment to the next, so nothing is downloaded
and no video exists: the same pose data as the still pictures, a few kilobytes.
"""

from __future__ import annotations

import functools

from .poses import EXERCISES
from .scene import Exercise, figure_shapes, place
from .skeleton import Body, Point, direction, distance, polar, two_link
from .svg import (
    ACCENT,
    ACCENT_FAR,
    FLOOR_FILL,
    PROP_LINE,
    bounds,
    document,
    frame,
    line,
    path_runs,
    recolor,
    rect,
)

# Moments drawn: start, half-way, end. The browser blends straight between neighbours,
# which at half a movement is close enough to the bone-by-bone blend to look natural.
MOMENTS = (0.0, 0.5, 1.0)

# Each drawn point and the point it hangs from, for side, front and top views alike (a
# figure has only some of them). The root ("hip") is blended in a straight line.
PARENT = {
    "mid": "hip",
    "pelvis": "hip",
    "shoulder": "mid",
    "head": "shoulder",
    "belly": "hip",
    "shoulder_l": "shoulder",
    "shoulder_r": "shoulder",
    "pelvis_l": "hip",
    "pelvis_r": "hip",
}
for _s in ("n", "f", "l", "r"):
    PARENT |= {
        f"hip_{_s}": "hip",
        f"knee_{_s}": f"hip_{_s}",
        f"ankle_{_s}": f"knee_{_s}",
        f"toe_{_s}": f"ankle_{_s}",
        f"heel_{_s}": f"ankle_{_s}",
        f"arm_root_{_s}": "shoulder",
        f"elbow_{_s}": f"arm_root_{_s}" if _s in "nf" else f"shoulder_{_s}",
        f"wrist_{_s}": f"elbow_{_s}",
        f"hand_{_s}": f"elbow_{_s}",
    }


def _turn(a: float, b: float, t: float) -> float:
    """Angle part-way from a to b, the short way round."""
    return a + ((b - a + 180.0) % 360.0 - 180.0) * t


def blend(a: Body, b: Body, t: float) -> Body:
    """The body a fraction `t` of the way from `a` to `b`."""
    if t <= 0.0:
        return a
    if t >= 1.0:
        return b
    ja, jb = a.joints, b.joints
    out: dict[str, Point] = {}

    def place_joint(name: str) -> Point:
        if name in out:
            return out[name]
        parent = PARENT.get(name)
        if parent is None or parent not in ja:
            (x0, y0), (x1, y1) = ja[name], jb[name]
            out[name] = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
            return out[name]
        root = place_joint(parent)
        la, lb = distance(ja[parent], ja[name]), distance(jb[parent], jb[name])
        if la < 1e-6 or lb < 1e-6:
            offset = tuple(
                (ja[name][i] - ja[parent][i]) * (1 - t) + (jb[name][i] - jb[parent][i]) * t
                for i in (0, 1)
            )
            out[name] = (root[0] + offset[0], root[1] + offset[1])
            return out[name]
        angle = _turn(direction(ja[parent], ja[name]), direction(jb[parent], jb[name]), t)
        out[name] = polar(root, la + (lb - la) * t, angle)
        return out[name]

    for name in ja:
        place_joint(name)
    _keep_planted(ja, jb, out, t)
    return Body(
        out,
        _turn(a.nose_dir, b.nose_dir, t),
        a.face,
        a.turn + (b.turn - a.turn) * t,
        a.nod + (b.nod - a.nod) * t,
    )


# A limb end that moves less than this between the pictures is planted (a foot on the floor,
# a hand on a chair, feet kept together): it goes straight from where it starts to where it
# ends and the knee or elbow bends to suit, instead of the end swinging out and back.
PLANTED = 6.0

# (root, middle, end, points carried with the end) of each limb, in every view.
LIMBS = [
    chain
    for s in ("n", "f", "l", "r")
    for chain in (
        (f"hip_{s}", f"knee_{s}", f"ankle_{s}", (f"toe_{s}", f"heel_{s}")),
        (
            f"arm_root_{s}" if s in "nf" else f"shoulder_{s}",
            f"elbow_{s}",
            f"hand_{s}",
            (f"wrist_{s}",),
        ),
    )
]


def _keep_planted(ja: dict, jb: dict, out: dict, t: float) -> None:
    for root, middle, end, carried in LIMBS:
        if not all(k in ja for k in (root, middle, end)):
            continue
        if distance(ja[end], jb[end]) >= PLANTED:
            continue
        (x0, y0), (x1, y1) = ja[end], jb[end]
        tip = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        upper = distance(ja[root], ja[middle]) * (1 - t) + distance(jb[root], jb[middle]) * t
        lower = distance(ja[middle], ja[end]) * (1 - t) + distance(jb[middle], jb[end]) * t
        # The knee or elbow on the side the bone-by-bone blend put it.
        mid = min(
            (two_link(out[root], tip, upper, lower, side) for side in (1.0, -1.0)),
            key=lambda p: distance(p, out[middle]),
        )
        shift = (tip[0] - out[end][0], tip[1] - out[end][1])
        out[middle], out[end] = mid, tip
        for name in carried:
            if name in out:
                out[name] = (out[name][0] + shift[0], out[name][1] + shift[1])


def _moment(ex: Exercise, start: Body, end: Body, t: float) -> list:
    cur = blend(start, end, t)
    shapes = []
    for prop in ex.props:
        shapes.extend(prop(start, end, cur))
    # The moving parts keep their highlight colour all the way, so each moment has the same
    # paths in the same order and the browser can move one into the next.
    shapes.extend(recolor(figure_shapes(cur), ex.highlight, ACCENT, ACCENT_FAR))
    for prop in ex.front_props:
        shapes.extend(prop(start, end, cur))
    return shapes


def motion_svg(slug: str, *, title: str = "") -> str:
    """One SVG of the exercise at its start, each moving path carrying its shape at every
    moment in `data-frames` (the moments' path data, separated by ";").

    Framed like the still pictures, so it can stand in their place. Raises KeyError for an
    unknown slug.
    """
    return _motion_svg(EXERCISES[slug], title)


# The same exercise is drawn on every Today page and builder row: keep the last few
# hundred, keyed by the pose data itself (a changed pose draws a new picture).
@functools.lru_cache(maxsize=512)
def _motion_svg(ex: Exercise, title: str) -> str:
    start, end = place(ex.start, ex.anchor), place(ex.end, ex.anchor)
    moments = [_moment(ex, start, end, t) for t in MOMENTS]
    view = frame(bounds([s for shapes in moments for s in shapes]), ex.floor)
    if ex.floor:
        left, _, width, _ = view
        ground = [
            rect(left, -10.0, left + width, 0.0, FLOOR_FILL),
            line(((left, 0.0), (left + width, 0.0)), 1.2, PROP_LINE),
        ]
        moments = [ground + shapes for shapes in moments]
    runs = [path_runs(shapes) for shapes in moments]
    if len({tuple(attrs for attrs, _ in r) for r in runs}) != 1:
        # A part that shows at some moments only (an eye turning away) changes how the
        # paths merge: show the start, still, rather than a picture that jumps.
        return document(moments[0], view, title)
    paths = []
    for parts in zip(*runs, strict=True):
        attrs, first = parts[0]
        frames = [d for _, d in parts]
        # A path whose parts come and go (an eye turning out of sight) cannot be blended:
        # the script steps it from moment to moment instead.
        extra = f' data-frames="{";".join(frames)}"' if len(set(frames)) > 1 else ""
        paths.append(f'<path d="{first}"{attrs}{extra}/>')
    return document(moments[0], view, title, paths="".join(paths))


__all__ = ["MOMENTS", "blend", "motion_svg"]
