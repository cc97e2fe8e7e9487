"""Drawing primitives: figure shapes, arrows, framing and SVG serialisation.

Everything is built as plain `Shape` records in world units (y up) first, so the bounding
box of a start/end pair can be computed before a single byte of SVG is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .skeleton import (
    FOOT_W,
    FOREARM_W,
    HAND_R,
    HEAD_R,
    NECK_W,
    SHIN_W,
    THIGH_W,
    TORSO_W,
    UPPER_ARM_W,
    Body,
    Point,
    direction,
    polar,
)

NEAR = "#334155"
FAR = "#94a3b8"
ACCENT = "#0f766e"
ACCENT_FAR = "#6fb3ab"  # far-side limbs keep their lighter tone when highlighted
GHOST = "#d3e9e6"  # where the moving part started, shown faintly in the end picture
EYE = "#ffffff"
HALO_COLOR = "#ffffff"
HALO = 2.4
PROP_FILL = "#e2e8f0"
PROP_LINE = "#cbd5e1"
FLOOR_FILL = "#f1f5f9"

ASPECT = 4 / 3
MIN_WIDTH = 125.0  # keeps lying and standing figures at a similar scale
PAD = 6.0
FLOOR_DEPTH = 4.0
PIXEL_WIDTH = 240


@dataclass(frozen=True)
class Shape:
    """One drawable item.  kind: "line" (open polyline), "curve" (quadratic, 3 points),
    "poly" (closed, filled), "circle" (pts[0] is the centre, `size` the radius)."""

    kind: str
    pts: tuple[Point, ...]
    size: float = 0.0  # stroke width, or radius for circles
    stroke: str | None = None
    fill: str | None = None
    name: str = ""  # body-part name, used for highlighting

    def bounds(self) -> tuple[float, float, float, float]:
        r = self.size if self.kind == "circle" else self.size / 2
        xs = [p[0] for p in self.pts]
        ys = [p[1] for p in self.pts]
        return (min(xs) - r, min(ys) - r, max(xs) + r, max(ys) + r)


def line(pts: Sequence[Point], width: float, color: str, name: str = "") -> Shape:
    return Shape("line", tuple(pts), width, color, None, name)


def circle(center: Point, r: float, color: str, name: str = "") -> Shape:
    return Shape("circle", (center,), r, None, color, name)


def poly(pts: Sequence[Point], fill: str, stroke: str | None = None, width: float = 0.0) -> Shape:
    return Shape("poly", tuple(pts), width, stroke, fill)


def rect(x0: float, y0: float, x1: float, y1: float, fill: str, stroke: str | None = None) -> Shape:
    return poly(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), fill, stroke, 1.0 if stroke else 0.0)


def bounds(shapes: Iterable[Shape]) -> tuple[float, float, float, float]:
    boxes = [s.bounds() for s in shapes]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# ---------------------------------------------------------------------------------------------
# The figure


def _matches(name: str, highlight: Iterable[str]) -> bool:
    return any(name == h or name.startswith(h + ".") for h in highlight)


def _eyes(center: Point, up: float, turn: float, nod: float) -> list[Shape]:
    """Two eyes on a sphere, projected: turning the head slides them sideways, nodding down."""
    out = []
    lat = math.radians(10.0 - nod)
    for lon_deg in (-30.0, 30.0):
        lon = math.radians(lon_deg + turn)
        if math.cos(lon) * math.cos(lat) < 0.2:
            continue  # eye is round the back of the head
        # Local frame: "up" along the neck, "right" clockwise from it.
        sx = HEAD_R * 0.78 * math.sin(lon) * math.cos(lat)
        sy = HEAD_R * 0.78 * math.sin(lat)
        up_v = polar((0.0, 0.0), 1.0, up)
        right_v = polar((0.0, 0.0), 1.0, up - 90.0)
        out.append(
            circle(
                (
                    center[0] + sx * right_v[0] + sy * up_v[0],
                    center[1] + sx * right_v[1] + sy * up_v[1],
                ),
                1.05,
                EYE,
                "head.eye",
            )
        )
    return out


def _head(body: Body, color: str) -> list[Shape]:
    j = body.joints
    shapes = [line((j["shoulder"], j["head"]), NECK_W, color, "head.neck")]
    shapes.append(circle(j["head"], HEAD_R, color, "head.skull"))
    if body.face == "profile":
        # A small nose shows which way the figure faces and how the head is tilted.
        shapes.append(circle(polar(j["head"], HEAD_R * 0.92, body.nose_dir - 12.0), 1.9, color))
        eye = polar(j["head"], HEAD_R * 0.55, body.nose_dir + 28.0)
        shapes.append(circle(eye, 1.05, EYE, "head.eye"))
    else:
        shapes.extend(_eyes(j["head"], body.nose_dir, body.turn, body.nod))
    return shapes


def side_figure(body: Body) -> list[Shape]:
    """Shapes of a side-view figure, back to front, each named for highlighting."""
    j = body.joints
    out: list[Shape] = []

    def arm(side: str, color: str) -> None:
        pieces = [
            ((j[f"arm_root_{side}"], j[f"elbow_{side}"]), UPPER_ARM_W, f"arm_{side}.upper"),
            ((j[f"elbow_{side}"], j[f"wrist_{side}"]), FOREARM_W, f"arm_{side}.fore"),
        ]
        limb(pieces, color, side == "n")
        if side == "n":
            out.append(circle(j[f"hand_{side}"], HAND_R + HALO / 2, HALO_COLOR))
        out.append(circle(j[f"hand_{side}"], HAND_R, color, f"arm_{side}.hand"))

    def leg(side: str, color: str) -> None:
        pieces = [
            ((j[f"hip_{side}"], j[f"knee_{side}"]), THIGH_W, f"leg_{side}.thigh"),
            ((j[f"knee_{side}"], j[f"ankle_{side}"]), SHIN_W, f"leg_{side}.shin"),
            ((j[f"heel_{side}"], j[f"toe_{side}"]), FOOT_W, f"leg_{side}.foot"),
        ]
        limb(pieces, color, side == "n")

    def limb(pieces: list[tuple[tuple[Point, Point], float, str]], color: str, halo: bool) -> None:
        if halo:
            # A white rim lets a near limb read against a torso of the same colour.
            out.extend(line(pts, w + HALO, HALO_COLOR) for pts, w, _ in pieces)
        out.extend(line(pts, w, color, name) for pts, w, name in pieces)

    arm("f", FAR)
    leg("f", FAR)
    hip, mid, sh = j["hip"], j["mid"], j["shoulder"]
    # Control point chosen so the curve passes through the mid-back joint.
    ctrl = (2 * mid[0] - (hip[0] + sh[0]) / 2, 2 * mid[1] - (hip[1] + sh[1]) / 2)
    out.append(Shape("curve", (hip, ctrl, sh), TORSO_W, NEAR, None, "torso"))
    # Separate pelvis and belly pieces (same colour) so they can be highlighted on their own.
    pelvis_end = (hip[0] + (mid[0] - hip[0]) * 0.5, hip[1] + (mid[1] - hip[1]) * 0.5)
    out.append(line((hip, pelvis_end), TORSO_W, NEAR, "torso.pelvis"))
    out.append(circle(j["belly"], 6.0, NEAR, "torso.belly"))
    out.extend(_head(body, NEAR))
    leg("n", NEAR)
    arm("n", NEAR)
    return out


def front_figure(body: Body) -> list[Shape]:
    """Shapes of the front / top view figure."""
    j = body.joints
    out: list[Shape] = []
    for side, color in (
        ("r", FAR if "knee_r" in j and body.nose_dir == 180.0 else NEAR),
        ("l", NEAR),
    ):
        out.append(line((j[f"hip_{side}"], j[f"knee_{side}"]), THIGH_W, color, f"leg_{side}.thigh"))
        out.append(line((j[f"knee_{side}"], j[f"ankle_{side}"]), SHIN_W, color, f"leg_{side}.shin"))
        out.append(line((j[f"ankle_{side}"], j[f"toe_{side}"]), FOOT_W, color, f"leg_{side}.foot"))
        if body.nose_dir == 180.0:
            # Top view: knee caps mark that the knees point up at the viewer.
            out.append(circle(j[f"knee_{side}"], THIGH_W / 2 + 0.8, color, f"leg_{side}.knee"))
    torso = (j["pelvis_l"], j["shoulder_l"], j["shoulder_r"], j["pelvis_r"])
    out.append(Shape("poly", torso, 7.0, NEAR, NEAR, "torso"))
    out.extend(_head(body, NEAR))
    for side in ("l", "r"):
        # Arms may cross the torso (hands on belly, arms folded): give them a white rim.
        out.append(
            line(
                (j[f"shoulder_{side}"], j[f"elbow_{side}"], j[f"hand_{side}"]),
                UPPER_ARM_W + HALO,
                HALO_COLOR,
            )
        )
        out.append(
            line(
                (j[f"shoulder_{side}"], j[f"elbow_{side}"]), UPPER_ARM_W, NEAR, f"arm_{side}.upper"
            )
        )
        out.append(
            line((j[f"elbow_{side}"], j[f"hand_{side}"]), FOREARM_W, NEAR, f"arm_{side}.fore")
        )
        out.append(circle(j[f"hand_{side}"], HAND_R, NEAR, f"arm_{side}.hand"))
    return out


def recolor(shapes: list[Shape], highlight: Iterable[str], near: str, far: str) -> list[Shape]:
    """Recolour the highlighted parts; far-side parts (suffix _f / picture-right top-view leg)
    keep a lighter tone so the near/far reading survives the highlight."""
    out = []
    for s in shapes:
        if s.name and _matches(s.name, highlight) and not s.name.endswith(".eye"):
            is_far = (s.stroke or s.fill) == FAR
            color = far if is_far else near
            out.append(
                Shape(
                    s.kind,
                    s.pts,
                    s.size,
                    color if s.stroke else None,
                    color if s.fill else None,
                    s.name,
                )
            )
        else:
            out.append(s)
    return out


def only(shapes: list[Shape], highlight: Iterable[str]) -> list[Shape]:
    return [
        s for s in shapes if s.name and _matches(s.name, highlight) and not s.name.endswith(".eye")
    ]


# ---------------------------------------------------------------------------------------------
# Arrows


def _quad(p0: Point, c: Point, p1: Point, t: float) -> Point:
    u = 1 - t
    return (
        u * u * p0[0] + 2 * u * t * c[0] + t * t * p1[0],
        u * u * p0[1] + 2 * u * t * c[1] + t * t * p1[1],
    )


def _arrow_from_points(pts: list[Point]) -> list[Shape]:
    tip_base = pts[-1]
    heading = direction(pts[-2], pts[-1])
    tip = polar(tip_base, 3.0, heading)
    left = polar(polar(tip_base, -2.0, heading), 3.4, heading + 90)
    right = polar(polar(tip_base, -2.0, heading), 3.4, heading - 90)
    return [
        line([*pts[:-1], polar(tip_base, -1.0, heading)], 2.2, ACCENT, "arrow"),
        poly((tip, left, right), ACCENT, ACCENT, 1.0),
    ]


def curved_arrow(p0: Point, p1: Point, bend: float) -> list[Shape]:
    """Arrow along a gentle arc from p0 to p1; `bend` is the sideways bulge / length."""
    mid = ((p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2)
    length = math.hypot(p1[0] - p0[0], p1[1] - p0[1])
    normal = polar((0.0, 0.0), bend * length, direction(p0, p1) + 90)
    ctrl = (mid[0] + normal[0], mid[1] + normal[1])
    return _arrow_from_points([_quad(p0, ctrl, p1, i / 10) for i in range(11)])


def arc_arrow(center: Point, radius: float, a0: float, a1: float) -> list[Shape]:
    """Arrow along a circular arc, for rotations (head turns, pendulum circles)."""
    steps = max(4, int(abs(a1 - a0) / 12))
    pts = [polar(center, radius, a0 + (a1 - a0) * i / steps) for i in range(steps + 1)]
    return _arrow_from_points(pts)


# ---------------------------------------------------------------------------------------------
# Framing and serialisation


def frame(box: tuple[float, float, float, float], floor: bool) -> tuple[float, float, float, float]:
    """A 4:3 view box (x, y_top, width, height) in world units around `box`.

    With a floor the bottom edge sits just under the floor line, so every picture has the
    same ground strip and extra room goes above the figure.
    """
    x0, y0, x1, y1 = box
    bottom = -FLOOR_DEPTH if floor else y0 - PAD
    height_needed = y1 + PAD - bottom
    width = max(x1 - x0 + 2 * PAD, MIN_WIDTH, height_needed * ASPECT)
    height = width / ASPECT
    left = (x0 + x1) / 2 - width / 2
    top = bottom + height if floor else (y0 + y1) / 2 + height / 2
    return (left, top, width, height)


def _n(v: float) -> str:
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pt(p: Point) -> str:
    # World y is up, SVG y is down.
    return f"{_n(p[0])} {_n(-p[1])}"


def _subpath(s: Shape) -> str:
    if s.kind == "circle":
        # A dot: a zero-length line with round caps, as wide as the circle. Browsers,
        # CairoSVG and WeasyPrint draw it as a filled circle, faster than two arcs.
        return f"M{_pt(s.pts[0])}l0 0"
    if s.kind == "curve":
        return f"M{_pt(s.pts[0])}Q{_pt(s.pts[1])} {_pt(s.pts[2])}"
    return "M" + "L".join(_pt(p) for p in s.pts) + ("Z" if s.kind == "poly" else "")


def _style(s: Shape) -> tuple[str, str]:
    """(fill, "stroke colour|width") as drawn; a circle is a stroke of its diameter."""
    if s.kind == "circle":
        return "", f"{s.fill}|{_n(2 * s.size)}"
    stroke = f"{s.stroke}|{_n(s.size)}" if s.stroke and s.size else ""
    return s.fill or "", stroke


def merged_paths(shapes: list[Shape]) -> str:
    """One <path> per run of consecutive shapes drawn alike.

    Drawing order is kept, and every colour is opaque, so the picture is unchanged; but
    a figure drops from ~40 elements to ~25: smaller pages, and faster to draw for the
    browser, CairoSVG (printed handouts) and WeasyPrint (the contact sheet).
    """
    return "".join(f'<path d="{d}"{attrs}/>' for attrs, d in path_runs(shapes))


def path_runs(shapes: list[Shape]) -> list[tuple[str, str]]:
    """(style attributes, path data) of each run of consecutive shapes drawn alike."""
    out: list[tuple[str, str]] = []
    run: list[str] = []
    current: tuple[str, str] | None = None

    def flush() -> None:
        if not run or current is None:
            return
        fill, stroke = current
        attrs = ""
        if fill:
            attrs += f' fill="{fill}"'
        if stroke:
            color, width = stroke.split("|")
            attrs += f' stroke="{color}" stroke-width="{width}"'
        out.append((attrs, "".join(run)))

    for shape in shapes:
        style = _style(shape)
        if style != current:
            flush()
            run, current = [], style
        run.append(_subpath(shape))
    flush()
    return out


CAPTION_BAND = 0.16  # of the picture's height, added under it for a printed caption
CAPTION_COLOR = "#444444"


def document(
    shapes: list[Shape],
    view: tuple[float, float, float, float],
    title: str,
    caption: str = "",
    paths: str | None = None,
) -> str:
    """The SVG file. A `caption` ("Start", "End") is printed in a band under the picture:
    the handout then needs no caption boxes of its own, which WeasyPrint lays out slowly.
    `paths`, if given, is drawn instead of `shapes` (the moving pictures' own paths)."""
    left, top, width, height = view
    px_h = round(PIXEL_WIDTH / ASPECT)
    band = height * CAPTION_BAND if caption else 0.0
    label = ""
    if caption:
        px_h = round(px_h * (1 + CAPTION_BAND))
        label = (
            f'<text x="{_n(left + width / 2)}" y="{_n(-top + height + band * 0.75)}" '
            f'font-family="Liberation Sans, DejaVu Sans, sans-serif" font-size="{_n(band * 0.7)}" '
            f'text-anchor="middle" fill="{CAPTION_COLOR}">{escape(caption)}</text>'
        )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_n(left)} {_n(-top)} '
        f'{_n(width)} {_n(height + band)}" width="{PIXEL_WIDTH}" height="{px_h}" role="img">'
        f"<title>{escape(title)}</title>"
        # Strokes default to "none" fill and round ends: one place for the house style.
        '<g fill="none" stroke-linecap="round" stroke-linejoin="round">'
    )
    body = merged_paths(shapes) if paths is None else paths
    return f"{head}{body}</g>{label}</svg>"
