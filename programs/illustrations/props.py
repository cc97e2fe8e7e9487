"""Props (mat, chair, wall, step, band...) drawn in light grey behind or around the figure.

A prop is a function of the start body, the end body and the body being drawn, so furniture
stays put between the two pictures while a band can follow the moving hand.
"""

from __future__ import annotations

from collections.abc import Callable

from .skeleton import HEAD_R, THIGH_W, TORSO_W, Body, Point, direction, polar
from .svg import FLOOR_FILL, PROP_FILL, PROP_LINE, Shape, circle, line, poly, rect

Prop = Callable[[Body, Body, Body], list[Shape]]

MAT_H = 2.0  # figures on a mat use this as their ground height
BAND = "#a3b1c2"  # a touch darker than the furniture so a thin band stays visible
MAT_TOP = "#edf1f6"  # the top of a mat seen a little from above


def _xs(*bodies: Body) -> list[float]:
    return [p[0] for b in bodies for p in b.joints.values()]


def mat(depth: float = 0.0) -> Prop:
    """Exercise mat: its front edge, and with `depth` its top seen a little from above (side-
    lying figures, whose bent hips and knees point at or away from the viewer)."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        xs = _xs(start, end)
        x0, x1 = min(xs) - 12, max(xs) + 10
        out = [poly(((x0, 0), (x1, 0), (x1, MAT_H), (x0, MAT_H)), PROP_FILL, PROP_FILL, 1.5)]
        if depth:
            top = MAT_H + depth
            out.append(poly(((x0, MAT_H), (x1, MAT_H), (x1 - 3, top), (x0 + 3, top)), MAT_TOP))
        return out

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


def dowel_line(body: Body) -> tuple[Point, Point]:
    """Ends of a stick held along the back: it touches the back of the pelvis and the back of
    the head (and so the upper back between them), and sticks out a little past both."""
    j = body.joints
    spine = direction(j["hip"], j["shoulder"])
    back = spine + 90.0  # the figure faces +x: its back is counter-clockwise from the spine
    tail = polar(j["hip"], TORSO_W / 2, back)
    skull = polar(j["head"], HEAD_R, back)
    along = direction(tail, skull)
    return polar(tail, -9.0, along), polar(skull, 5.0, along)


def dowel() -> Prop:
    """Broom handle held along the back (hip hinge): drawn behind the figure."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        return [line(dowel_line(cur), 2.6, BAND)]

    return draw


WEIGHT = "#94a3b8"  # a hand weight reads as an object held, darker than the furniture


def weight(hand: str = "hand_n", size: float = 4.2) -> Prop:
    """A kettlebell or dumbbell hanging from the hand, drawn over it so it shows in front."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        hx, hy = cur.joints[hand]
        return [
            line(((hx, hy), (hx, hy - size)), 2.0, WEIGHT),
            circle((hx, hy - size - size * 0.6), size, WEIGHT),
        ]

    return draw


def calf_rest(shin: str = "n") -> Prop:
    """Chair seat the lower legs rest on (lying with hips and knees at right angles), placed
    under the end picture's shins; the back rest stands beyond the feet."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        knee, ankle = end.joints[f"knee_{shin}"], end.joints[f"ankle_{shin}"]
        seat_y = min(knee[1], ankle[1]) - THIGH_W / 2 - 2.5
        x0, x1 = knee[0] - 2.0, ankle[0] + 8.0
        return [
            line(((x0 + 1.5, 0), (x0 + 1.5, seat_y)), 2.5, PROP_LINE),
            line(((x1 - 1.5, 0), (x1 - 1.5, seat_y)), 2.5, PROP_LINE),
            line(((x1, seat_y), (x1, seat_y + 30)), 3.5, PROP_LINE),
            line(((x0, seat_y), (x1, seat_y)), 4.0, PROP_LINE),
        ]

    return draw


def bike() -> Prop:
    """Exercise bike seen from the side: saddle under the hip, bars under the hands, the crank
    round which the feet turn (half-way between the two start feet)."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        j = start.joints
        hip, hand = j["hip"], j["hand_n"]
        crank = ((j["ankle_n"][0] + j["ankle_f"][0]) / 2, (j["ankle_n"][1] + j["ankle_f"][1]) / 2)
        saddle = hip[1] - TORSO_W / 2
        # Drawn in the weight's darker grey: in light grey the bike vanished behind the legs
        # and the rider seemed to stand.
        return [
            line(((crank[0] - 26, 1.5), (crank[0] + 22, 1.5)), 3.0, WEIGHT),
            line(((hip[0] - 2, saddle), crank, (crank[0] - 12, 1.5)), 3.0, WEIGHT),
            line(((hip[0] - 9, saddle), (hip[0] + 5, saddle)), 4.0, WEIGHT),
            line((crank, (crank[0] + 14, 1.5)), 3.0, WEIGHT),
            line((crank, (hand[0] - 3, hand[1] - 3)), 3.0, WEIGHT),
            line(((hand[0] - 6, hand[1] - 3), (hand[0] + 2, hand[1] - 1)), 3.0, WEIGHT),
            circle(crank, 9.0, PROP_FILL),
        ]

    return draw


def rail(hand: str = "hand_l") -> Prop:
    """Front view: the back of a chair or a kitchen counter held at the side for balance."""

    def draw(start: Body, end: Body, cur: Body) -> list[Shape]:
        hx, hy = start.joints[hand]
        top = hy - 2.5
        return [
            line(((hx, 0), (hx, top)), 3.0, PROP_LINE),
            line(((hx - 6, top), (hx + 6, top)), 3.5, PROP_LINE),
        ]

    return draw
