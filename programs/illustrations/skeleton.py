"""Body proportions and forward kinematics for the exercise figures.

World coordinates are in "figure units" (a standing figure is ~100 tall), with y pointing
UP and the floor at y = 0; the SVG layer flips y.  Side-view figures always face +x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Point = tuple[float, float]
# An IK target: (reference joint, dx, dy).  The pseudo-joint "floor" means
# (hip x + dx, ground + dy) so feet and hands can be put exactly on the floor.
Target = tuple[str, float, float]

# Segment lengths.  Roughly adult proportions, kept simple so poses are easy to reason about.
HEAD_R = 6.5
NECK = 9.5  # shoulder point to head centre
PELVIS = 13.0  # hip joint to mid-back
THORAX = 18.0  # mid-back to shoulder
UPPER_ARM = 16.0
FOREARM = 13.5
HAND = 3.0  # wrist to hand centre
THIGH = 24.0
SHIN = 23.0
FOOT = 8.5  # ankle to toe
HEEL = 2.5  # ankle to heel

# Stroke widths: thick and rounded so the figure reads as a friendly body, not a stick man.
TORSO_W = 15.0
NECK_W = 6.0
THIGH_W = 9.0
SHIN_W = 7.5
FOOT_W = 5.0
UPPER_ARM_W = 7.0
FOREARM_W = 6.0
HAND_R = 3.2

SEGMENT_LENGTHS = {
    "pelvis": PELVIS,
    "thorax": THORAX,
    "neck": NECK,
    "upper_arm": UPPER_ARM,
    "forearm": FOREARM,
    "thigh": THIGH,
    "shin": SHIN,
    "foot": FOOT,
}


def polar(origin: Point, length: float, degrees: float) -> Point:
    """Point at `length` from `origin` in direction `degrees` (0 = +x, counter-clockwise)."""
    rad = math.radians(degrees)
    return (origin[0] + length * math.cos(rad), origin[1] + length * math.sin(rad))


def direction(a: Point, b: Point) -> float:
    return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


@dataclass(frozen=True)
class Pose:
    """Side-view pose as clinical joint angles in degrees (figure faces +x).

    Angles are relative to the parent segment so they read like a goniometer:
    hip/knee/shoulder/elbow flexion positive, extension negative.
    `trunk` is the absolute lean of the pelvis segment from vertical: 0 upright,
    +90 prone (head to the right), -90 supine (head to the left).
    Suffix _n is the near (viewer) side, _f the far side.
    """

    trunk: float = 0.0
    spine: float = 0.0  # thorax flexion relative to pelvis segment (+ rounds the back)
    neck: float = 0.0  # neck flexion relative to the thorax
    head: float = 0.0  # head nod relative to the neck (+ nose down)
    hip_n: float = 0.0
    knee_n: float = 0.0
    ankle_n: float = 0.0  # dorsiflexion +, pointing the toes -
    hip_f: float = 0.0
    knee_f: float = 0.0
    ankle_f: float = 0.0
    sh_n: float = 0.0  # shoulder flexion (+ forward/up, - backward)
    el_n: float = 0.0
    sh_f: float = 0.0
    el_f: float = 0.0
    # Absolute foot directions; set for flat feet so they stay on the floor whatever the shin does.
    foot_n: float | None = None
    foot_f: float | None = None
    # Inverse-kinematics targets for the limb ends (ankle / hand centre); override the angles.
    leg_n_to: Target | None = None
    leg_f_to: Target | None = None
    arm_n_to: Target | None = None
    arm_f_to: Target | None = None
    knee_bend: float = 1.0  # +1 knees bend forward (normal); IK picks the matching solution
    elbow_bend: float = -1.0
    # Height of the hip above the support; None = drop the body until its lowest point touches.
    hip_y: float | None = None
    ground: float = 0.0  # height of the support surface (a step, a mat)
    girdle: Point = (0.0, 0.0)  # shoulder-blade shift (shrug / squeeze), moves the arm roots
    # Offset of the near hip joint from the pelvis centre (the far one gets the opposite):
    # a side-lying figure seen from the front has its two hips stacked one above the other.
    hips: Point = (0.0, 0.0)
    belly: float = 0.0  # how far the belly rises above the torso outline (breathing)
    # Per-segment length factors, to foreshorten limbs that point at the viewer.
    scale: tuple[tuple[str, float], ...] = ()
    face: str = "profile"  # "profile" or "front" (side-lying figures seen from the front)
    x: float = 0.0  # horizontal shift after anchoring, e.g. stepping forward

    def length(self, part: str, base: float) -> float:
        for name, factor in self.scale:
            if name == part:
                return base * factor
        return base


@dataclass
class Body:
    """Joint positions of one posed side-view figure plus the directions needed to draw it."""

    joints: dict[str, Point] = field(default_factory=dict)
    # Direction the nose points (profile) or the top of the head points (face "front").
    nose_dir: float = 0.0
    face: str = "profile"
    turn: float = 0.0  # front faces only: head rotation, moves the eyes sideways
    nod: float = 0.0  # front faces only: head flexion, moves the eyes down

    def shifted(self, dx: float, dy: float) -> Body:
        moved = {k: (x + dx, y + dy) for k, (x, y) in self.joints.items()}
        return Body(moved, self.nose_dir, self.face, self.turn, self.nod)


def two_link(root: Point, target: Point, a: float, b: float, bend: float) -> Point:
    """Middle joint of a two-segment limb reaching `target`; `bend` picks the elbow/knee side.

    Targets out of reach give a straight limb pointing at the target, which is what a
    person does when they reach as far as they can.
    """
    d = distance(root, target)
    base = direction(root, target)
    d = max(abs(a - b) + 1e-6, min(a + b - 1e-6, d))
    cos_alpha = (a * a + d * d - b * b) / (2 * a * d)
    alpha = math.degrees(math.acos(max(-1.0, min(1.0, cos_alpha))))
    return polar(root, a, base + math.copysign(alpha, bend))


def _resolve(target: Target, j: dict[str, Point], ground: float) -> Point:
    ref, dx, dy = target
    if ref == "floor":
        return (j["hip"][0] + dx, ground + dy)
    return (j[ref][0] + dx, j[ref][1] + dy)


def pose_body(p: Pose) -> Body:
    """Forward kinematics (with optional 2-link IK for limb ends), hip at (0, hip_y or 0)."""
    j: dict[str, Point] = {}
    hip: Point = (0.0, p.ground + (p.hip_y if p.hip_y is not None else 0.0))
    j["hip"] = hip
    pelvis_dir = 90.0 - p.trunk
    thorax_dir = pelvis_dir - p.spine
    j["mid"] = polar(hip, p.length("pelvis", PELVIS), pelvis_dir)
    j["shoulder"] = polar(j["mid"], p.length("thorax", THORAX), thorax_dir)
    neck_dir = thorax_dir - p.neck
    j["head"] = polar(j["shoulder"], p.length("neck", NECK), neck_dir)
    nose_dir = neck_dir - 90.0 - p.head

    j["pelvis"] = hip
    # A leg whose target refers to the other leg (figure-four, clamshell) is posed second.
    order = ("n", "f") if p.leg_f_to is not None and p.leg_f_to[0].endswith("_n") else ("f", "n")
    for side in order:
        sign = 1.0 if side == "n" else -1.0
        hip = (j["pelvis"][0] + sign * p.hips[0], j["pelvis"][1] + sign * p.hips[1])
        j[f"hip_{side}"] = hip
        hip_angle, knee, ankle = (
            getattr(p, f"hip_{side}"),
            getattr(p, f"knee_{side}"),
            getattr(p, f"ankle_{side}"),
        )
        thigh_len, shin_len = p.length(f"thigh_{side}", THIGH), p.length(f"shin_{side}", SHIN)
        target = getattr(p, f"leg_{side}_to")
        if target is not None:
            ankle_pt = _resolve(target, j, p.ground)
            knee_pt = two_link(hip, ankle_pt, thigh_len, shin_len, p.knee_bend)
            ankle_pt = polar(knee_pt, shin_len, direction(knee_pt, ankle_pt))
        else:
            thigh_dir = pelvis_dir - 180.0 + hip_angle
            knee_pt = polar(hip, thigh_len, thigh_dir)
            ankle_pt = polar(knee_pt, shin_len, thigh_dir - knee)
        shin_dir = direction(knee_pt, ankle_pt)
        foot_abs = getattr(p, f"foot_{side}")
        foot_dir = foot_abs if foot_abs is not None else shin_dir + 90.0 + ankle
        j[f"knee_{side}"] = knee_pt
        j[f"ankle_{side}"] = ankle_pt
        j[f"toe_{side}"] = polar(ankle_pt, p.length(f"foot_{side}", FOOT), foot_dir)
        j[f"heel_{side}"] = polar(ankle_pt, -HEEL, foot_dir)

    hip = j["hip"]
    # The belly sits on the front of the lower trunk; "front" is clockwise from the spine.
    j["belly"] = polar(
        polar(hip, PELVIS * 0.75, pelvis_dir), TORSO_W / 2 - 6.0 + p.belly, pelvis_dir - 90.0
    )
    arm_root = (j["shoulder"][0] + p.girdle[0], j["shoulder"][1] + p.girdle[1])
    for side in ("n", "f"):
        upper = p.length(f"upper_arm_{side}", UPPER_ARM)
        lower = p.length(f"forearm_{side}", FOREARM) + HAND
        target = getattr(p, f"arm_{side}_to")
        if target is not None:
            hand_pt = _resolve(target, j, p.ground)
            elbow = two_link(arm_root, hand_pt, upper, lower, p.elbow_bend)
            fore_dir = direction(elbow, hand_pt)
        else:
            arm_dir = thorax_dir - 180.0 + getattr(p, f"sh_{side}")
            elbow = polar(arm_root, upper, arm_dir)
            fore_dir = arm_dir + getattr(p, f"el_{side}")
        j[f"arm_root_{side}"] = arm_root
        j[f"elbow_{side}"] = elbow
        j[f"wrist_{side}"] = polar(elbow, lower - HAND, fore_dir)
        j[f"hand_{side}"] = polar(elbow, lower, fore_dir)
    # A side-lying figure seen from the front shows its face: store where the head top points.
    return Body(j, neck_dir if p.face == "front" else nose_dir, p.face)


# ---------------------------------------------------------------------------------------------
# Reading a posed body back: the angles and balance the pictures show (used by the pose checks).


def bend(body: Body, a: str, b: str, c: str) -> float:
    """How far the drawn chain a-b-c is bent at b, in degrees: 0 straight, 90 a right angle.

    E.g. bend(body, "hip_n", "knee_n", "ankle_n") is the knee flexion as drawn, whatever the
    pose angles or IK targets that produced it.
    """
    j = body.joints
    turn = direction(j[b], j[c]) - direction(j[a], j[b])
    return abs((turn + 180.0) % 360.0 - 180.0)


def side_of_line(p: Point, a: Point, b: Point) -> float:
    """Signed distance of p from the line a->b: positive on its left (counter-clockwise) side."""
    length = distance(a, b)
    return ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])) / length


# Share of body mass per drawn segment (Dempster's values as tabled by Winter); each segment's
# mass sits at the middle of the drawn segment (the head's at the centre of the skull).
SEGMENT_MASS = {
    "head": 0.081,
    "trunk": 0.497,
    "upper_arm": 0.028,
    "forearm": 0.016,
    "hand": 0.006,
    "thigh": 0.100,
    "shin": 0.0465,
    "foot": 0.0145,
}


def centre_of_mass(body: Body) -> Point:
    """Approximate whole-body centre of mass of a side-view figure from its drawn segments."""
    j = body.joints

    def mid(a: str, b: str) -> Point:
        return ((j[a][0] + j[b][0]) / 2, (j[a][1] + j[b][1]) / 2)

    # The trunk is drawn through the mid-back joint: weigh its two halves by their lengths.
    low, high = mid("hip", "mid"), mid("mid", "shoulder")
    w_low, w_high = distance(j["hip"], j["mid"]), distance(j["mid"], j["shoulder"])
    trunk = (
        (low[0] * w_low + high[0] * w_high) / (w_low + w_high),
        (low[1] * w_low + high[1] * w_high) / (w_low + w_high),
    )
    parts: list[tuple[float, Point]] = [
        (SEGMENT_MASS["head"], j["head"]),
        (SEGMENT_MASS["trunk"], trunk),
    ]
    for s in ("n", "f"):
        parts += [
            (SEGMENT_MASS["upper_arm"], mid(f"arm_root_{s}", f"elbow_{s}")),
            (SEGMENT_MASS["forearm"], mid(f"elbow_{s}", f"wrist_{s}")),
            (SEGMENT_MASS["hand"], j[f"hand_{s}"]),
            (SEGMENT_MASS["thigh"], mid(f"hip_{s}", f"knee_{s}")),
            (SEGMENT_MASS["shin"], mid(f"knee_{s}", f"ankle_{s}")),
            (SEGMENT_MASS["foot"], mid(f"heel_{s}", f"toe_{s}")),
        ]
    total = sum(m for m, _ in parts)
    return (sum(m * p[0] for m, p in parts) / total, sum(m * p[1] for m, p in parts) / total)


# ---------------------------------------------------------------------------------------------
# Front view (and the top view used for lying rotations): a simple symmetric figure.


@dataclass(frozen=True)
class FrontPose:
    """Front view of a seated person (or, with view="top", a person lying on their back).

    "l"/"r" are picture-left / picture-right.  Angles in degrees.
    """

    view: str = "front"  # "front" (seated, facing the viewer) or "top" (supine, seen from above)
    bend: float = 0.0  # lateral trunk bend, + towards picture-right
    twist: float = 0.0  # upper-trunk rotation; shows as narrower shoulders and a turned face
    tilt: float = 0.0  # head side-bend, + ear towards the picture-right shoulder
    turn: float = 0.0  # head rotation, + nose towards picture-right
    nod: float = 0.0  # head flexion, + nose down
    arm_l: tuple[float, float] = (8.0, 0.0)  # (abduction from hanging, elbow bend)
    arm_r: tuple[float, float] = (8.0, 0.0)
    crossed: bool = False  # arms crossed on the chest
    # Hand targets (joint, dx, dy), e.g. a hand resting on the head; override arm_l / arm_r.
    # The elbow goes to the outer side, away from the body.
    hand_l_to: Target | None = None
    hand_r_to: Target | None = None
    # Length factor of an arm reaching a hand target while pointing partly at the viewer
    # (elbow forward, e.g. a hand on the back of the head).
    reach: float = 1.0
    knees: float = 0.0  # top view only: how far the bent knees have dropped sideways (0..1)
    standing: bool = False  # front view only: standing instead of seated
    # Standing only: the picture-right leg lifted out to the side (hip abduction), degrees.
    leg_r: float = 0.0


def _rotate(p: Point, about: Point, degrees: float) -> Point:
    rad = math.radians(degrees)
    dx, dy = p[0] - about[0], p[1] - about[1]
    c, s = math.cos(rad), math.sin(rad)
    return (about[0] + dx * c - dy * s, about[1] + dx * s + dy * c)


SHOULDER_HALF = 11.0  # half shoulder width in the front view
HIP_HALF = 5.5  # hip joints sit a little inside the pelvis outline


def front_body(fp: FrontPose) -> Body:
    """Joints of the front-view figure (or the top view of a supine figure)."""
    if fp.view == "top":
        return _top_body(fp)
    j: dict[str, Point] = {}
    if fp.standing:
        hip_y = THIGH + SHIN + FOOT_W / 2
        for side, sx in (("l", -1.0), ("r", 1.0)):
            j[f"hip_{side}"] = (sx * HIP_HALF, hip_y)
            j[f"knee_{side}"] = (sx * (HIP_HALF + 0.5), hip_y - THIGH)
            j[f"ankle_{side}"] = (sx * (HIP_HALF + 1.0), FOOT_W / 2)
            j[f"toe_{side}"] = (sx * (HIP_HALF + 3.5), FOOT_W / 2 - 0.5)
        for part in ("knee_r", "ankle_r", "toe_r"):
            j[part] = _rotate(j[part], j["hip_r"], fp.leg_r)
    else:
        # Seated: thighs point at the viewer, so they shrink to short stubs above the knees.
        hip_y = SHIN + FOOT_W / 2 + 2.0
        for side, sx in (("l", -1.0), ("r", 1.0)):
            j[f"hip_{side}"] = (sx * HIP_HALF, hip_y)
            j[f"knee_{side}"] = (sx * (HIP_HALF + 1.5), hip_y - 2.5)
            j[f"ankle_{side}"] = (sx * (HIP_HALF + 2.0), FOOT_W / 2)
            j[f"toe_{side}"] = (sx * (HIP_HALF + 4.0), FOOT_W / 2 - 0.5)
    hip: Point = (0.0, hip_y)
    j["hip"] = hip
    top_y = hip_y + PELVIS + THORAX
    # Rotation of the trunk narrows the shoulders; lateral bend tilts everything above the hips.
    half = SHOULDER_HALF * max(0.55, math.cos(math.radians(fp.twist)))
    upper = {
        "shoulder": (0.0, top_y),
        "shoulder_l": (-half, top_y - 1.0),
        "shoulder_r": (half, top_y - 1.0),
        "pelvis_l": (-8.0, hip_y - 2.0),
        "pelvis_r": (8.0, hip_y - 2.0),
    }
    for name, pt in upper.items():
        j[name] = _rotate(pt, hip, -fp.bend) if name.startswith("shoulder") else pt
    neck_dir = 90.0 - fp.bend - fp.tilt
    # Nodding tips the head towards the viewer, so from the front it sits a little lower.
    j["head"] = polar(j["shoulder"], NECK * math.cos(math.radians(fp.nod)), neck_dir)
    # Anything in front of the chest swings sideways as the upper trunk turns.
    swing = math.sin(math.radians(fp.twist))
    for side, sx in (("l", -1.0), ("r", 1.0)):
        root = j[f"shoulder_{side}"]
        target = fp.hand_l_to if side == "l" else fp.hand_r_to
        if target is not None:
            ref, dx, dy = target
            hand = (j[ref][0] + dx, j[ref][1] + dy)
            upper, lower = UPPER_ARM * fp.reach, FOREARM * fp.reach + HAND
            elbow = max(
                (two_link(root, hand, upper, lower, b) for b in (1.0, -1.0)),
                key=lambda e: sx * e[0],
            )
            j[f"elbow_{side}"] = elbow
            j[f"hand_{side}"] = polar(elbow, lower, direction(elbow, hand))
        elif fp.crossed:
            # Hands rest on the opposite shoulders; elbows low in front of the chest, about
            # a forearm's depth in front of it, so they swing round with the trunk.
            other = j["shoulder_r" if side == "l" else "shoulder_l"]
            elbow = _rotate((sx * 4.0 + 12.0 * swing, top_y - 13.0), hip, -fp.bend)
            j[f"elbow_{side}"] = elbow
            j[f"hand_{side}"] = (other[0] - sx * 1.5 + 3.0 * swing, other[1] - 3.0)
        else:
            abduction, elbow_bend = fp.arm_l if side == "l" else fp.arm_r
            arm_dir = -90.0 - fp.bend + sx * abduction
            elbow = polar(root, UPPER_ARM, arm_dir)
            j[f"elbow_{side}"] = elbow
            j[f"hand_{side}"] = polar(elbow, FOREARM + HAND, arm_dir - sx * elbow_bend)
    return Body(j, neck_dir, "front", fp.twist + fp.turn, fp.nod)


def _top_body(fp: FrontPose) -> Body:
    """Supine figure seen from above: head to the left, arms out, knees bent up.

    `knees` (0..1) lowers both bent knees towards picture-bottom, the way a lower-trunk
    rotation is usually taught.
    """
    t = fp.knees
    j: dict[str, Point] = {}
    hip: Point = (0.0, 0.0)
    j["hip"] = hip
    j["shoulder"] = (-(PELVIS + THORAX), 0.0)
    j["shoulder_l"] = (-(PELVIS + THORAX) + 1.0, SHOULDER_HALF)
    j["shoulder_r"] = (-(PELVIS + THORAX) + 1.0, -SHOULDER_HALF)
    j["pelvis_l"] = (2.0, 8.0)
    j["pelvis_r"] = (2.0, -8.0)
    j["head"] = (j["shoulder"][0] - NECK, 0.0)
    for side, sy in (("l", 1.0), ("r", -1.0)):
        root = j[f"shoulder_{side}"]
        # Arms out on the floor, slightly down towards the hips so they stay in the frame.
        elbow = polar(root, UPPER_ARM, 90.0 * sy + 25.0 * sy)
        j[f"elbow_{side}"] = elbow
        j[f"hand_{side}"] = polar(elbow, FOREARM + HAND, 90.0 * sy + 30.0 * sy)

    def lerp(a: Point, b: Point) -> Point:
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)

    # Seen from above the bent legs are foreshortened; the knee caps show they point up.
    j["hip_l"] = lerp((0.0, HIP_HALF), (0.5, 3.0))
    j["hip_r"] = lerp((0.0, -HIP_HALF), (-0.5, -6.0))
    j["knee_l"] = lerp((17.0, 6.0), (13.0, -12.0))
    j["knee_r"] = lerp((17.0, -6.0), (11.0, -22.0))
    j["ankle_l"] = lerp((29.0, 6.0), (28.0, 1.0))
    j["ankle_r"] = lerp((29.0, -6.0), (27.0, -9.0))
    j["toe_l"] = (j["ankle_l"][0] + FOOT, j["ankle_l"][1])
    j["toe_r"] = (j["ankle_r"][0] + FOOT, j["ankle_r"][1])
    return Body(j, 180.0, "front")
