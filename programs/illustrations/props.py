"""Props (mat, chair, wall, step, band...) drawn in light grey behind or around the figure.

A prop is a function of the start body, the end body and the body being drawn, so furniture
stays put between the two pictures while a band can follow the moving hand.
"""

from __future__ import annotations

from collections.abc import Callable

from .skeleton import THIGH_W, Body, Point
from .svg import FLOOR_FILL, PROP_FILL, PROP_LINE, Shape, circle, line, poly, rect

Prop = Callable[[Body, Body, Body], list[Shape]]

MAT_H = 2.0  # figures on a mat use this as their ground height
BAND = "#a3b1c2"  # a touch darker than the furniture so a thin band stays visible


def _xs(*bodies: Body) -> list[float]:
    return [p[0] for b in bodies for p in b.joints.values()]


def mat() -> Prop:
    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        xs = _xs(start, end)
        x0, x1 = min(xs) - 12, max(xs) + 10
        return [poly(((x0, 0), (x1, 0), (x1, MAT_H), (x0, MAT_H)), PROP_FILL, PROP_FILL, 1.5)]

    return draw


def top_mat() -> Prop:
    """Mat seen from above (top-view pictures)."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        xs = _xs(start, end)
        ys = [p[1] for b in (start, end) for p in b.joints.values()]
        return [rect(min(xs) - 12, min(ys) - 8, max(xs) + 10, max(ys) + 8, FLOOR_FILL, PROP_LINE)]

    return draw


def _chair(x_back: float, x_front: float, seat: float, back_top: float) -> list[Shape]:
    legs_at = (x_back + 1.5, x_front - 1.5)
    return [
        line(((legs_at[0], 0), (legs_at[0], seat)), 2.5, PROP_LINE),
        line(((legs_at[1], 0), (legs_at[1], seat)), 2.5, PROP_LINE),
        line(((x_back, back_top), (x_back, seat)), 3.5, PROP_LINE),
        line(((x_back, seat), (x_front, seat)), 4.0, PROP_LINE),
    ]


def seat(front: float = 12.0, back: float = -11.0) -> Prop:
    """Chair the figure sits on, placed under the start hip (stays put for sit-to-stand)."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        hip = start.joints["hip"]
        seat_y = hip[1] - THIGH_W / 2 - 2.0
        return _chair(hip[0] + back, hip[0] + front, seat_y, seat_y + 34)

    return draw


def front_seat() -> Prop:
    """Front view of a chair: seat edge, two legs and the back rest behind the shoulders."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        y = start.joints["hip"][1] - THIGH_W / 2 - 1.0
        return [
            rect(-17, y + 20, 17, y + 36, PROP_FILL),
            line(((-15, 0), (-15, y)), 2.5, PROP_LINE),
            line(((15, 0), (15, y)), 2.5, PROP_LINE),
            line(((-17, y), (17, y)), 4.0, PROP_LINE),
        ]

    return draw


def support_chair(joint: str = "hand_n") -> Prop:
    """Chair held for balance: its back rest top is under the start hand, seat away from us."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        hx, hy = start.joints[joint]
        top = hy - 2.5
        x_back = hx + 1.5
        return _chair(x_back, x_back + 20, 27.0, top)

    return draw


def wall(joint: str, dx: float) -> Prop:
    """Wall face at start joint x + dx; it extends away from the figure."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        x = start.joints[joint][0] + dx
        side = -1 if dx < 0 else 1
        return [rect(min(x, x + 6 * side), 0, max(x, x + 6 * side), 118, PROP_FILL)]

    return draw


def door_post(joint: str, dx: float) -> Prop:
    """Door frame seen from the side: the jamb and the head of the frame above it."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        x = start.joints[joint][0] + dx
        return [rect(x - 3, 0, x + 3, 112, PROP_FILL), rect(x - 6, 106, x + 6, 112, PROP_FILL)]

    return draw


def step(x0: float, x1: float, height: float) -> Prop:
    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        return [rect(x0, 0, x1, height, PROP_FILL, PROP_LINE)]

    return draw


def table(joint: str = "hand_n", depth: float = 30.0) -> Prop:
    """Table leaned on with one hand; the top sits just under the start hand."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        hx, hy = start.joints[joint]
        top = hy - 3.0
        x0, x1 = hx - 8, hx + depth
        return [
            line(((x0, top), (x1, top)), 3.5, PROP_LINE),
            line(((x0 + 3, 0), (x0 + 3, top)), 2.5, PROP_LINE),
            line(((x1 - 3, 0), (x1 - 3, top)), 2.5, PROP_LINE),
        ]

    return draw


def band(hand: str, anchor: Point, post: bool = True) -> Prop:
    """Exercise band from the current hand to a fixed anchor (offset from the start hand)."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        sx, sy = start.joints[hand]
        ax, ay = sx + anchor[0], sy + anchor[1]
        out: list[Shape] = []
        if post:
            out.append(
                rect(
                    ax - 2.5 if anchor[0] > 0 else ax - 0.5,
                    0,
                    ax + 0.5 if anchor[0] > 0 else ax + 2.5,
                    112,
                    PROP_FILL,
                )
            )
        out.append(line(((ax, ay), cur.joints[hand]), 1.8, BAND))
        out.append(circle((ax, ay), 1.8, BAND))
        return out

    return draw


def strap(hand: str = "hand_n", side: str = "n") -> Prop:
    """Towel or band looped round the sole of the foot and held in the hands."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        j = cur.joints
        return [
            line((j[hand], j[f"toe_{side}"]), 1.8, BAND),
            line((j[hand], j[f"heel_{side}"]), 1.8, BAND),
        ]

    return draw


def towel_roll(joint: str = "knee_n", r: float = 3.2) -> Prop:
    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        x = start.joints[joint][0]
        return [circle((x, MAT_H + r), r, PROP_LINE)]

    return draw


def backdrop(x0: float, x1: float, top: float) -> Prop:
    """Wall seen face-on behind a front-view figure."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        return [rect(x0, 0, x1, top, PROP_FILL)]

    return draw
