"""Pose checks: what each exercise picture shows must agree with the exercise's own text.

Every picture is read back from its drawn joints (`scene.place`, the very bodies the SVG is
drawn from) and checked for the kinds of error a physiotherapist found on the contact sheet:

(a) start and end pictures that look the same;
(b) standing figures whose weight (centre of mass) is not over their feet;
(c) per-exercise statements in the text that a picture can be measured against, as data;
(d) movement arrows whose heads disappear into a highlighted (same colour) body part.

Units are figure units: a standing figure is about 100 tall, so 1 unit is under 2 cm.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import pytest

from programs.content.exercises import EXERCISES as CONTENT
from programs.illustrations.poses import EXERCISES
from programs.illustrations.props import dowel_line
from programs.illustrations.scene import figure_shapes, place, scene_shapes
from programs.illustrations.skeleton import (
    FOOT_W,
    HAND_R,
    HEAD_R,
    SHIN_W,
    THIGH_W,
    TORSO_W,
    UPPER_ARM_W,
    Body,
    Point,
    Pose,
    bend,
    centre_of_mass,
    direction,
    distance,
    side_of_line,
)
from programs.illustrations.svg import ACCENT, HALO

SLUGS = sorted(EXERCISES)
PHASES = ("start", "end")
TEXT = {e["slug"]: e for e in CONTENT}


@cache
def posed(slug: str, phase: str) -> Body:
    """The body as drawn in one picture (anchored and put on the ground like the SVG)."""
    ex = EXERCISES[slug]
    return place(getattr(ex, phase), ex.anchor)


def both(slug: str) -> dict[str, Body]:
    return {phase: posed(slug, phase) for phase in PHASES}


def ground(slug: str, phase: str) -> float:
    pose = getattr(EXERCISES[slug], phase)
    return pose.ground if isinstance(pose, Pose) else 0.0


def exercise_text(slug: str) -> str:
    e = TEXT[slug]
    return " ".join([e["name"], *(cue for _, cue in e["cues"]), e["cautions"]]).lower()


# --- (a) Start and end must differ --------------------------------------------------------------

# Smallest movement that still shows on a printed handout: some drawn point must move at
# least this far between the pictures (3 units is about 5 cm on the person, 1.5 mm on paper).
MIN_MOVE = 3.0

# Exercises whose text describes holding one position, with nothing to show moving, may use
# the same picture twice.  List each with the reason (the text that says so); none do today.
HOLD_ONLY: dict[str, str] = {}


def _named_shapes(body: Body) -> dict[str, list]:
    named: dict[str, list] = defaultdict(list)
    for s in figure_shapes(body):
        if s.name:
            named[s.name].append(s)
    return named


def movement(a: Body, b: Body) -> float:
    """Largest distance any drawn point (joint, eye, belly, limb end) moves from a to b."""
    first, second = _named_shapes(a), _named_shapes(b)
    moved = 0.0
    for name in first.keys() | second.keys():
        if len(first[name]) != len(second[name]):
            return math.inf  # a part (an eye) shows in one picture only
        for s, t in zip(first[name], second[name], strict=True):
            moved = max(moved, abs(s.size - t.size), *map(distance, s.pts, t.pts))
    return moved


@pytest.mark.parametrize("slug", [slug for slug in SLUGS if slug not in HOLD_ONLY])
def test_start_and_end_pictures_differ(slug):
    moved = movement(posed(slug, "start"), posed(slug, "end"))
    assert moved >= MIN_MOVE, f"{slug}: nothing moves more than {moved:.1f} units"


def test_hold_only_exceptions_are_holds_in_the_text():
    for slug, reason in HOLD_ONLY.items():
        assert reason
        assert TEXT[slug]["style"] in ("isometric", "static_hold")
        assert "hold" in exercise_text(slug)


def test_pictures_of_different_stretches_differ():
    """Upper-trapezius and levator-scapulae stretches end in different head positions."""
    moved = movement(posed("upper-trap-stretch", "end"), posed("levator-scapulae-stretch", "end"))
    assert moved >= MIN_MOVE


# --- (b) Balance: a standing figure's weight over its feet --------------------------------------

# A foot point this close to the support is taken to touch it.  A figure is set down by its
# lowest drawn edge, the rounded ankle end of the near shin with its white rim, so that is
# how high a standing foot's points sit; plus a little.
CONTACT = SHIN_W / 2 + HALO / 2 + 1.0
# The foot is drawn with round ends: its outline reaches half its width past heel and toe.
MARGIN = FOOT_W / 2

# Standing pictures whose weight is legitimately not over the feet, with the reason.
SUPPORTED = {
    "wall-squat": "the back leans on the wall, which takes the weight behind the heels",
    "wall-push-up": "the hands on the wall hold up a body leaning forward past the toes",
}


def standing_pictures() -> list[tuple[str, str]]:
    """Side-view pictures of a person on their feet: the text's standing exercises, and
    the standing end of sit-to-stand."""
    pictures = [
        (slug, phase) for slug in SLUGS if TEXT[slug]["position"] == "standing" for phase in PHASES
    ]
    pictures.append(("sit-to-stand", "end"))
    return [(s, p) for s, p in pictures if isinstance(getattr(EXERCISES[s], p), Pose)]


STANDING = standing_pictures()


def test_the_balance_check_covers_the_standing_pictures():
    slugs = {slug for slug, _ in STANDING}
    assert {"standing-back-extension", "heel-raise", "hip-hinge", "mini-squat", "walking"} <= slugs
    assert len(STANDING) >= 24


@pytest.mark.parametrize(("slug", "phase"), STANDING)
def test_standing_figure_is_balanced_over_its_feet(slug, phase):
    body = posed(slug, phase)
    j, floor = body.joints, ground(slug, phase)
    on_floor = [k for k, (_, y) in j.items() if y - floor <= CONTACT]
    assert on_floor, f"{slug} {phase}: nothing touches the floor"
    feet = [k for k in on_floor if k.split("_")[0] in ("heel", "toe", "ankle")]
    assert feet == on_floor, f"{slug} {phase}: not standing on the feet alone: {on_floor}"
    xs = [j[k][0] for k in feet]
    x, _ = centre_of_mass(body)
    balanced = min(xs) - MARGIN <= x <= max(xs) + MARGIN
    if slug in SUPPORTED:
        # Leaning on a support is the point of the exercise: the weight is not over the
        # feet, or the picture would not need its support.
        assert not balanced, f"{slug} {phase}: drawn without leaning ({SUPPORTED[slug]})"
        return
    assert balanced, (
        f"{slug} {phase}: centre of mass at x={x:.1f}, feet on the floor from "
        f"{min(xs):.1f} to {max(xs):.1f}"
    )


# --- (c) What the text says, measured on the picture --------------------------------------------

Check = Callable[[dict[str, Body]], tuple[bool, str]]


@dataclass(frozen=True)
class Claim:
    slug: str
    says: str  # what the exercise's text says, in short
    check: Check  # (holds, what was measured)


def flexion(phase: str, a: str, b: str, c: str, lo: float = 0.0, hi: float = 180.0) -> Check:
    """The drawn bend at joint b, between lo and hi degrees."""

    def check(bodies: dict[str, Body]) -> tuple[bool, str]:
        angle = bend(bodies[phase], a, b, c)
        return lo <= angle <= hi, f"{phase} bend at {b}: {angle:.0f} degrees"

    return check


def in_line(phase: str, a: str, b: str, c: str, most: float = 8.0) -> Check:
    return flexion(phase, a, b, c, hi=most)


def near(phase: str, a: str, b: str, most: float) -> Check:
    def check(bodies: dict[str, Body]) -> tuple[bool, str]:
        d = distance(bodies[phase].joints[a], bodies[phase].joints[b])
        return d <= most, f"{phase} {a} to {b}: {d:.1f} units"

    return check


def behind_thigh(phase: str, hand: str, side: str) -> Check:
    """The hand holds the back of the thigh: on the side of the thigh away from the front
    (the side the bent knee folds the shin to), along the thigh, clear of the knee."""

    def check(bodies: dict[str, Body]) -> tuple[bool, str]:
        j = bodies[phase].joints
        hip, knee, ankle, h = j[f"hip_{side}"], j[f"knee_{side}"], j[f"ankle_{side}"], j[hand]
        behind = side_of_line(h, hip, knee) * math.copysign(1.0, side_of_line(ankle, hip, knee))
        length = distance(hip, knee)
        along = ((h[0] - hip[0]) * (knee[0] - hip[0]) + (h[1] - hip[1]) * (knee[1] - hip[1])) / (
            length * length
        )
        off_knee = distance(h, knee)
        ok = behind >= 1.0 and 0.25 <= along <= 0.85 and off_knee >= THIGH_W / 2 + HAND_R
        return ok, (
            f"{phase} {hand}: {behind:.1f} behind the thigh, {along:.2f} of the way to the knee,"
            f" {off_knee:.1f} from the knee"
        )

    return check


def holds(phase: str, fn: Callable[[Body], tuple[bool, str]]) -> Check:
    return lambda bodies: fn(bodies[phase])


def leg_lift(phase: str, lo: float, hi: float) -> Check:
    """Angle of the near leg (hip to ankle) above the far leg resting on the floor."""

    def fn(body: Body) -> tuple[bool, str]:
        j = body.joints
        lift = abs(
            (direction(j["hip_n"], j["ankle_n"]) - direction(j["hip_f"], j["ankle_f"]) + 180) % 360
            - 180
        )
        return lo <= lift <= hi, f"leg lifted {lift:.0f} degrees"

    return holds(phase, fn)


def hand_on_head(phase: str, hand: str) -> Check:
    return near(phase, hand, "head", HEAD_R + HAND_R)


def head_pose(phase: str, tilt=(0.0, 90.0), turn=(0.0, 90.0), nod=(0.0, 90.0)) -> Check:
    """Front view: side-bend of the neck, turn and nod of the head, each within bounds."""

    def fn(body: Body) -> tuple[bool, str]:
        j = body.joints
        side_bend = abs(90.0 - direction(j["shoulder"], j["head"]))
        found = {"tilt": side_bend, "turn": abs(body.turn), "nod": abs(body.nod)}
        wanted = {"tilt": tilt, "turn": turn, "nod": nod}
        ok = all(lo <= found[k] <= hi for k, (lo, hi) in wanted.items())
        return ok, ", ".join(f"{k} {v:.0f}" for k, v in found.items())

    return holds(phase, fn)


def on_the_mat(phase: str, joint: str, slug: str, most: float) -> Check:
    def fn(body: Body) -> tuple[bool, str]:
        height = body.joints[joint][1] - ground(slug, phase)
        return height <= most, f"{phase} {joint} {height:.1f} above the mat"

    return holds(phase, fn)


def forward_of(phase: str, a: str, b: str, least: float) -> Check:
    """Joint a at least `least` in front of joint b (figures face +x)."""

    def fn(body: Body) -> tuple[bool, str]:
        dx = body.joints[a][0] - body.joints[b][0]
        return dx >= least, f"{phase} {a} {dx:.1f} in front of {b}"

    return holds(phase, fn)


def stays(joints: tuple[str, ...], most: float = 0.5) -> Check:
    def check(bodies: dict[str, Body]) -> tuple[bool, str]:
        moved = max(distance(bodies["start"].joints[k], bodies["end"].joints[k]) for k in joints)
        return moved <= most, f"moved {moved:.1f}"

    return check


def level_gaze(phase: str, most: float) -> Check:
    return holds(phase, lambda b: (abs(b.nose_dir) <= most, f"nose {b.nose_dir:.0f} degrees"))


def trunk_axis_to_thigh(phase: str, side: str, lo: float, hi: float) -> Check:
    """Hip flexion of a side-lying figure: angle between the trunk line and the thigh."""

    def fn(body: Body) -> tuple[bool, str]:
        j = body.joints
        trunk = direction(j["mid"], j["hip"])
        thigh = direction(j[f"hip_{side}"], j[f"knee_{side}"])
        angle = abs((thigh - trunk + 180) % 360 - 180)
        return lo <= angle <= hi, f"{phase} hip bent {angle:.0f} degrees"

    return holds(phase, fn)


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def head_clear_of_near_arm(phase: str) -> Check:
    """At least most of the head shows: the near arm passes no closer to the head's centre
    than its own half width plus 40% of the head's radius."""

    def fn(body: Body) -> tuple[bool, str]:
        j = body.joints
        arm = [(j["arm_root_n"], j["elbow_n"]), (j["elbow_n"], j["hand_n"])]
        gap = min(_segment_distance(j["head"], a, b) for a, b in arm)
        return gap >= UPPER_ARM_W / 2 + 0.4 * HEAD_R, f"near arm {gap:.1f} from the head centre"

    return holds(phase, fn)


def holds_dowel(phase: str, hand: str) -> Check:
    def fn(body: Body) -> tuple[bool, str]:
        a, b = dowel_line(body)
        gap = _segment_distance(body.joints[hand], a, b)
        return gap <= HAND_R + 2.0, f"{phase} {hand} {gap:.1f} from the dowel"

    return holds(phase, fn)


def trunk_turns(bodies: dict[str, Body]) -> tuple[bool, str]:
    """Front view: the shoulders narrow and the crossed arms swing round with the trunk,
    while hips and knees stay facing forward."""
    s, e = bodies["start"].joints, bodies["end"].joints
    narrowing = (e["shoulder_r"][0] - e["shoulder_l"][0]) / (
        s["shoulder_r"][0] - s["shoulder_l"][0]
    )
    swing = (e["elbow_l"][0] + e["elbow_r"][0] - s["elbow_l"][0] - s["elbow_r"][0]) / 2
    still = all(s[k] == e[k] for k in ("hip_l", "hip_r", "knee_l", "knee_r"))
    ok = narrowing <= 0.8 and abs(swing) >= 5.0 and still
    return ok, f"shoulders {narrowing:.2f} as wide, arms swing {swing:.1f}, hips still: {still}"


def feet_together(phase: str) -> Check:
    return near(phase, "ankle_n", "ankle_f", 8.0)


def reaches_over_head(phase: str) -> Check:
    """Upper trapezius: the hand reaches over to the far side of the head (picture-left)."""
    return holds(
        phase,
        lambda b: (
            b.joints["hand_r"][0] < b.joints["head"][0] - 2.0,
            f"hand {b.joints['hand_r'][0] - b.joints['head'][0]:.1f} across the head",
        ),
    )


def on_back_of_head(phase: str) -> Check:
    """Levator scapulae: the hand rests on the crown / back of the bowed head."""
    return holds(
        phase,
        lambda b: (
            b.joints["hand_r"][1] >= b.joints["head"][1] + HEAD_R / 2
            and abs(b.joints["hand_r"][0] - b.joints["head"][0]) <= HEAD_R / 2,
            f"hand at {b.joints['hand_r'][0] - b.joints['head'][0]:.1f}, "
            f"{b.joints['hand_r'][1] - b.joints['head'][1]:.1f} from the head centre",
        ),
    )


HIP_N = ("mid", "hip_n", "knee_n")


def nose(phase: str, lo: float = -90.0, hi: float = 90.0) -> Check:
    """Side view: where the nose points, degrees above (+) or below (-) the horizontal."""
    return holds(phase, lambda b: (lo <= b.nose_dir <= hi, f"nose {b.nose_dir:.0f} degrees"))


def side_by_side(phase: str, a: str, b: str, most: float = 6.0) -> Check:
    def fn(body: Body) -> tuple[bool, str]:
        dx = abs(body.joints[a][0] - body.joints[b][0])
        return dx <= most, f"{phase} {a} and {b} {dx:.1f} apart"

    return holds(phase, fn)


def under(phase: str, a: str, b: str, most: float) -> Check:
    """Joint a straight below joint b, give or take `most`."""

    def fn(body: Body) -> tuple[bool, str]:
        dx = body.joints[a][0] - body.joints[b][0]
        return abs(dx) <= most and body.joints[a][1] < body.joints[b][1], f"{a} {dx:.1f} off"

    return holds(phase, fn)


def low(phase: str, joint: str, most: float, above: bool = False) -> Check:
    """Joint within `most` of the floor (or, with `above`, more than `most` above it)."""

    def fn(body: Body) -> tuple[bool, str]:
        height = body.joints[joint][1]
        ok = height > most if above else height <= most
        return ok, f"{phase} {joint} {height:.1f} above the floor"

    return holds(phase, fn)


def upright(phase: str, most: float) -> Check:
    """Shoulders over the hips: the trunk does not lean forward or back."""

    def fn(body: Body) -> tuple[bool, str]:
        dx = body.joints["shoulder"][0] - body.joints["hip"][0]
        return abs(dx) <= most, f"{phase} shoulders {dx:.1f} from over the hips"

    return holds(phase, fn)


def higher(phase: str, a: str, b: str, least: float) -> Check:
    def fn(body: Body) -> tuple[bool, str]:
        dy = body.joints[a][1] - body.joints[b][1]
        return dy >= least, f"{phase} {a} {dy:.1f} above {b}"

    return holds(phase, fn)


def level_with(phase: str, a: str, b: str, most: float) -> Check:
    def fn(body: Body) -> tuple[bool, str]:
        dy = body.joints[a][1] - body.joints[b][1]
        return abs(dy) <= most, f"{phase} {a} {dy:.1f} above {b}"

    return holds(phase, fn)


def thighs_parallel(phase: str, most: float) -> Check:
    def fn(body: Body) -> tuple[bool, str]:
        j = body.joints
        a = direction(j["hip_n"], j["knee_n"]) - direction(j["hip_f"], j["knee_f"])
        angle = abs((a + 180) % 360 - 180)
        return angle <= most, f"{phase} thighs {angle:.0f} degrees apart"

    return holds(phase, fn)


def close_to_leg(phase: str, hand: str, most: float) -> Check:
    """The hand (and what it holds) within `most` of the near thigh or shin."""

    def fn(body: Body) -> tuple[bool, str]:
        j = body.joints
        gap = min(
            _segment_distance(j[hand], j["hip_n"], j["knee_n"]),
            _segment_distance(j[hand], j["knee_n"], j["ankle_n"]),
        )
        return gap <= most, f"{phase} {hand} {gap:.1f} from the leg"

    return holds(phase, fn)


def ankle_swing(side: str, least: float) -> Check:
    """The foot turns at the ankle by at least `least` degrees between the pictures."""

    def check(bodies: dict[str, Body]) -> tuple[bool, str]:
        s, e = bodies["start"].joints, bodies["end"].joints
        turn = direction(e[f"ankle_{side}"], e[f"toe_{side}"]) - direction(
            s[f"ankle_{side}"], s[f"toe_{side}"]
        )
        turn = abs((turn + 180) % 360 - 180)
        return turn >= least, f"foot turns {turn:.0f} degrees"

    return check


def rises(joint: str, lo: float = -math.inf, hi: float = math.inf) -> Check:
    """How far the joint rises from the start picture to the end one, within bounds."""

    def check(bodies: dict[str, Body]) -> tuple[bool, str]:
        dy = bodies["end"].joints[joint][1] - bodies["start"].joints[joint][1]
        return lo <= dy <= hi, f"{joint} rises {dy:.1f}"

    return check


def slides_up_the_wall(joint: str, most: float) -> Check:
    """The joint goes up without moving off the wall (or into it): x stays put."""

    def check(bodies: dict[str, Body]) -> tuple[bool, str]:
        dx = bodies["end"].joints[joint][0] - bodies["start"].joints[joint][0]
        return abs(dx) <= most, f"{joint} moves {dx:.1f} from the wall"

    return check


def swing(phase: str) -> Check:
    """Walking: the arm in front is on the other side from the leg in front."""

    def fn(body: Body) -> tuple[bool, str]:
        j = body.joints
        legs = j["ankle_n"][0] - j["ankle_f"][0]
        arms = j["hand_n"][0] - j["hand_f"][0]
        return legs * arms < 0, f"{phase} legs {legs:.1f} apart, arms {arms:.1f}"

    return holds(phase, fn)


def drops_toward_feet(joint: str, least: float) -> Check:
    """Lying on the back (head to the left): the joint moves toward the feet."""

    def check(bodies: dict[str, Body]) -> tuple[bool, str]:
        dx = bodies["end"].joints[joint][0] - bodies["start"].joints[joint][0]
        return dx >= least, f"{joint} moves {dx:.1f} toward the feet"

    return check


KNEE_N = ("hip_n", "knee_n", "ankle_n")
KNEE_F = ("hip_f", "knee_f", "ankle_f")

CLAIMS = [
    # Standing back extension: hips forward, upper body back from the low back, feet put.
    Claim("standing-back-extension", "hips move forward", forward_of("end", "hip", "ankle_n", 3)),
    Claim("standing-back-extension", "lean back", forward_of("end", "hip", "shoulder", 3)),
    Claim("standing-back-extension", "feet stay put", stays(("heel_n", "toe_n", "heel_f"))),
    Claim("standing-back-extension", "look ahead, not up", level_gaze("end", 12)),
    # Side plank (knees bent).
    *(
        Claim("side-plank", "knees bent", flexion(phase, *knee, lo=60))
        for phase in PHASES
        for knee in (KNEE_N, KNEE_F)
    ),
    Claim("side-plank", "knees, hips and head in a line", in_line("end", "head", "hip", "knee_f")),
    # Upper trapezius: ear to shoulder, eyes forward, hand resting on (over) the head.
    Claim("upper-trap-stretch", "hand rests on the head", hand_on_head("end", "hand_r")),
    Claim("upper-trap-stretch", "hand over the head", reaches_over_head("end")),
    Claim(
        "upper-trap-stretch",
        "ear toward shoulder, keep looking forward",
        head_pose("end", tilt=(20, 60), turn=(0, 10), nod=(0, 10)),
    ),
    # Levator scapulae: nose toward the armpit (turn and bow), hand on the back of the head.
    Claim("levator-scapulae-stretch", "hand on the head", hand_on_head("end", "hand_r")),
    Claim("levator-scapulae-stretch", "hand on the back of the head", on_back_of_head("end")),
    Claim(
        "levator-scapulae-stretch",
        "nose toward the other armpit",
        head_pose("end", turn=(25, 70), nod=(25, 70)),
    ),
    # Knee-to-chest and the figure four: hold behind the thigh, not on top of the knee.
    Claim("knee-to-chest-single", "hold behind the thigh", behind_thigh("end", "hand_n", "n")),
    Claim("knee-to-chest-single", "hold behind the thigh", behind_thigh("end", "hand_f", "n")),
    Claim("knee-to-chest-double", "behind both thighs", behind_thigh("end", "hand_n", "n")),
    Claim("knee-to-chest-double", "behind both thighs", behind_thigh("end", "hand_f", "f")),
    Claim("piriformis-stretch", "hold behind the thigh", behind_thigh("end", "hand_n", "n")),
    Claim("piriformis-stretch", "hold behind the thigh", behind_thigh("end", "hand_f", "n")),
    # Clamshell: hips and knees bent, feet together.
    *(
        Claim("clamshell", "knees bent", flexion("start", *knee, lo=60))
        for knee in (KNEE_N, KNEE_F)
    ),
    *(Claim("clamshell", "hips bent", trunk_axis_to_thigh("start", side, 25, 70)) for side in "nf"),
    *(Claim("clamshell", "feet together", feet_together(phase)) for phase in PHASES),
    # Prone hip extension: a hand's width, about 10 degrees.
    Claim("prone-hip-extension", "lift a hand's width", leg_lift("end", 5, 15)),
    Claim("prone-hip-extension", "a straight leg", flexion("end", *KNEE_N, hi=5)),
    # Piriformis: the crossed ankle rests on the other knee.
    *(
        Claim(
            "piriformis-stretch", "ankle over the other knee", near(phase, "ankle_f", "knee_n", 10)
        )
        for phase in PHASES
    ),
    # Wall squat: knees a little bent.
    *(
        Claim("wall-squat", "knees a little bent", flexion("end", *knee, lo=15, hi=45))
        for knee in (KNEE_N, KNEE_F)
    ),
    # Plank: one support version (knees) from set-up to hold.
    *(
        Claim("plank", "from the knees", on_the_mat(phase, "knee_n", "plank", TORSO_W / 2 + 1))
        for phase in PHASES
    ),
    Claim("plank", "lie on your front first", on_the_mat("start", "hip", "plank", TORSO_W / 2 + 1)),
    Claim("plank", "a straight line, head to knees", in_line("end", "shoulder", "hip", "knee_n")),
    # Side-lying hip abduction: bottom knee bent, top leg straight.
    *(
        Claim("side-lying-hip-abduction", "bottom knee bent", flexion(phase, *KNEE_F, lo=45))
        for phase in PHASES
    ),
    *(
        Claim("side-lying-hip-abduction", "top leg straight", flexion(phase, *KNEE_N, hi=10))
        for phase in PHASES
    ),
    # Smaller points.
    Claim("hamstring-stretch-supine", "both knees bent", flexion("start", *KNEE_N, lo=45)),
    Claim("hamstring-stretch-supine", "straighten that leg", flexion("end", *KNEE_N, hi=20)),
    *(
        Claim("hip-hinge", "hold a broom handle along your back", holds_dowel(phase, hand))
        for phase in PHASES
        for hand in ("hand_n", "hand_f")
    ),
    Claim("hip-hinge", "a flat back", in_line("end", "hip", "mid", "shoulder", 5)),
    Claim("prayer-stretch", "head and chest sink (head shows)", head_clear_of_near_arm("end")),
    Claim("seated-thoracic-rotation", "turn your upper body", trunk_turns),
    Claim(
        "glute-bridge",
        "knees, hips and shoulders line up",
        in_line("end", "shoulder", "hip", "knee_n"),
    ),
    *(
        Claim("mini-squat", "a quarter of the way down", flexion("end", *knee, lo=30, hi=50))
        for knee in (KNEE_N, KNEE_F)
    ),
    Claim("curl-up", "don't bend your neck forward", in_line("end", "mid", "shoulder", "head", 5)),
    *(
        Claim("curl-up", "hands under the small of the back", on_the_mat(p, h, "curl-up", 6))
        for p in PHASES
        for h in ("hand_n", "hand_f")
    ),
    Claim(
        "hip-flexor-stretch-kneeling", "don't lean back", forward_of("end", "shoulder", "hip", -1)
    ),
    Claim("diaphragmatic-breathing", "a hand on your tummy", near("start", "hand_n", "belly", 10)),
    Claim(
        "diaphragmatic-breathing", "a hand on your chest", near("start", "hand_f", "shoulder", 12)
    ),
    Claim("straight-leg-raise", "keep the knee straight", flexion("end", *KNEE_N, hi=5)),
    Claim(
        "straight-leg-raise",
        "to the height of your other knee",
        holds(
            "end",
            lambda b: (
                abs(b.joints["knee_n"][1] - b.joints["knee_f"][1]) <= 3.0,
                f"knees {b.joints['knee_n'][1] - b.joints['knee_f'][1]:.1f} apart in height",
            ),
        ),
    ),
    Claim("seated-hamstring-stretch", "back straight", in_line("end", "hip", "mid", "shoulder", 5)),
    Claim("seated-hamstring-stretch", "a straight leg", flexion("end", *KNEE_N, hi=20)),
    Claim("calf-stretch-wall", "back leg straight", flexion("end", *KNEE_N, hi=5)),
    Claim(
        "calf-stretch-wall",
        "back heel down",
        on_the_mat("end", "heel_n", "calf-stretch-wall", CONTACT),
    ),
    Claim(
        "prone-press-up",
        "hips stay down",
        on_the_mat("end", "hip", "prone-press-up", TORSO_W / 2 + 1.5),
    ),
    *(Claim("chin-tuck", "eyes level", level_gaze(phase, 10)) for phase in PHASES),
    # --- Issue 20 exercises ------------------------------------------------------------------
    # Nerve sliders: one end moves into tension as the other moves out of it.
    Claim("sciatic-nerve-slider", "bend the knee, head bowed", flexion("start", *KNEE_N, lo=60)),
    Claim("sciatic-nerve-slider", "head bowed", nose("start", hi=-10)),
    Claim("sciatic-nerve-slider", "straighten the knee", flexion("end", *KNEE_N, hi=15)),
    Claim("sciatic-nerve-slider", "look up as the knee straightens", nose("end", lo=5)),
    Claim("femoral-nerve-slider", "head bowed, knee straight", flexion("start", *KNEE_N, hi=5)),
    Claim("femoral-nerve-slider", "head bowed", nose("start", hi=-10)),
    Claim("femoral-nerve-slider", "heel up behind you", flexion("end", *KNEE_N, lo=70)),
    Claim("femoral-nerve-slider", "look up as the heel comes up", nose("end", lo=5)),
    Claim("femoral-nerve-slider", "knees side by side", side_by_side("end", "knee_n", "knee_f")),
    # Rest positions and extension in lying.
    Claim("prone-lying", "forehead on your hands", near("end", "head", "hand_n", 12)),
    Claim("prone-lying", "arms by your sides", forward_of("start", "shoulder", "hand_n", 20)),
    Claim(
        "prone-on-elbows",
        "hips stay on the floor",
        on_the_mat("end", "hip", "prone-on-elbows", TORSO_W / 2 + 1.5),
    ),
    # Legs lying level along the mat: neither lifted nor sunk into it as the chest comes up.
    *(
        Claim("prone-on-elbows", "legs stay on the floor", level_with("end", j, "hip", 2.5))
        for j in ("knee_n", "ankle_n")
    ),
    Claim("prone-on-elbows", "elbows under your shoulders", under("end", "elbow_n", "shoulder", 6)),
    Claim("rest-calves-on-chair", "hips at about a right angle", flexion("end", *HIP_N, 75, 105)),
    Claim("rest-calves-on-chair", "knees at about a right angle", flexion("end", *KNEE_N, 75, 105)),
    *(
        Claim("side-lying-rest", "bend both knees", flexion("end", *knee, lo=45))
        for knee in (KNEE_N, KNEE_F)
    ),
    Claim("seated-forward-bend", "hands slide toward the floor", low("end", "hand_n", 12)),
    # Loaded hinge and carries.
    Claim("hip-hinge-weight", "a flat back", in_line("end", "hip", "mid", "shoulder", 5)),
    *(
        Claim(
            "hip-hinge-weight",
            "arms straight",
            flexion(p, "arm_root_n", "elbow_n", "hand_n", hi=10),
        )
        for p in PHASES
    ),
    Claim("hip-hinge-weight", "knees soft", flexion("end", *KNEE_N, 5, 35)),
    Claim("hip-hinge-weight", "weight close to your legs", close_to_leg("end", "hand_n", 14)),
    *(
        Claim(slug, "body upright", upright("end", 4))
        for slug in ("farmer-carry", "suitcase-carry")
    ),
    # Hip and knee.
    Claim("standing-hip-extension", "body upright", upright("end", 3)),
    Claim("standing-hip-extension", "a straight leg", flexion("end", *KNEE_N, hi=5)),
    Claim("standing-hip-extension", "the leg goes back", forward_of("end", "hip", "ankle_n", 5)),
    Claim("single-leg-bridge", "straight leg", flexion("end", *KNEE_N, hi=5)),
    *(
        Claim("single-leg-bridge", "in line with the other thigh", thighs_parallel(p, 8))
        for p in PHASES
    ),
    Claim("seated-march", "lift one knee", forward_of("end", "hip", "hip", 0)),
    Claim("seated-march", "foot off the floor", low("end", "heel_n", 6, above=True)),
    Claim("short-arc-quad", "knee straight", flexion("end", *KNEE_N, hi=5)),
    Claim("short-arc-quad", "back of the knee stays on the roll", stays(("knee_n",))),
    Claim("seated-knee-extension", "knee straight", flexion("end", *KNEE_N, hi=10)),
    Claim("seated-knee-extension", "thigh stays on the seat", stays(("knee_n",), 1.0)),
    Claim("standing-hamstring-curl", "heel up behind", flexion("end", *KNEE_N, lo=75)),
    Claim("standing-hamstring-curl", "thigh still", stays(("knee_n",), 2.0)),
    Claim("split-squat", "front knee bends", flexion("end", *KNEE_N, 60, 110)),
    Claim("split-squat", "body upright", upright("end", 4)),
    Claim("split-squat", "back heel lifted", low("start", "heel_f", 3, above=True)),
    Claim(
        "quad-stretch-standing",
        "hold that ankle",
        near("end", "hand_n", "ankle_n", HAND_R + SHIN_W / 2 + 1),
    ),
    Claim("quad-stretch-standing", "knees side by side", side_by_side("end", "knee_n", "knee_f")),
    Claim("quad-stretch-standing", "don't arch", upright("end", 4)),
    # Ankle.
    Claim("ankle-pumps", "toes pointed, then pulled back", ankle_swing("n", 40)),
    Claim("toe-raise", "stand on your heels", on_the_mat("end", "heel_n", "toe-raise", CONTACT)),
    Claim("toe-raise", "front of the foot lifts", low("end", "toe_n", CONTACT, above=True)),
    Claim("calf-stretch-bent-knee", "back knee bent", flexion("end", *KNEE_N, 15, 50)),
    Claim(
        "calf-stretch-bent-knee",
        "back heel down",
        on_the_mat("end", "heel_n", "calf-stretch-bent-knee", CONTACT),
    ),
    # Shoulder.
    Claim("wall-slide", "hands slide up", higher("end", "hand_n", "head", 5)),
    Claim("wall-slide", "up the wall, touching it", slides_up_the_wall("hand_n", 1.0)),
    Claim("supine-arm-raise", "arms over your head", forward_of("end", "shoulder", "hand_n", 20)),
    Claim(
        "supine-arm-raise",
        "arms straight",
        flexion("end", "arm_root_n", "elbow_n", "hand_n", hi=10),
    ),
    Claim("front-arm-raise", "to shoulder height", level_with("end", "hand_n", "shoulder", 6)),
    *(
        Claim(
            "wall-push-up",
            "body straight, head to heels",
            in_line(p, "ankle_n", "hip", "shoulder", 6),
        )
        for p in PHASES
    ),
    Claim(
        "wall-push-up", "bend your elbows", flexion("end", "arm_root_n", "elbow_n", "hand_n", lo=50)
    ),
    Claim("wall-push-up", "hands stay on the wall", stays(("hand_n",), 1.0)),
    # Balance.
    Claim("tandem-stance", "heel touching toes", near("end", "heel_n", "toe_f", 3.5)),
    Claim(
        "single-leg-balance-free", "one foot off the floor", low("end", "heel_n", 10, above=True)
    ),
    # Breathing and relaxation.
    Claim("seated-slow-breathing", "a hand on your tummy", near("start", "hand_n", "belly", 10)),
    Claim("seated-slow-breathing", "a hand on your chest", near("start", "hand_f", "shoulder", 12)),
    # Back and core.
    Claim("bird-dog-arm-reach", "back still", stays(("hip", "shoulder"))),
    Claim("bird-dog-arm-reach", "arm straight forward", higher("end", "hand_f", "shoulder", -4)),
    *(
        Claim("seated-thoracic-extension", "hands behind your head", near(p, h, "head", 11))
        for p in PHASES
        for h in ("hand_n", "hand_f")
    ),
    Claim("seated-thoracic-extension", "bottom stays on the seat", stays(("hip",))),
    Claim("seated-thoracic-extension", "lean back", forward_of("end", "hip", "shoulder", 3)),
    # --- The rest of the library, so every exercise's text is measured on its pictures -----------
    Claim("lower-trunk-rotation", "keep your knees together", near("end", "knee_l", "knee_r", 13)),
    Claim(
        "lower-trunk-rotation", "both shoulders on the floor", stays(("shoulder_l", "shoulder_r"))
    ),
    Claim("bird-dog", "back flat like a table top", in_line("end", "hip", "mid", "shoulder", 8)),
    Claim("bird-dog", "one arm forward", forward_of("end", "hand_f", "shoulder", 10)),
    Claim("bird-dog", "the other leg back", forward_of("end", "hip", "ankle_n", 20)),
    Claim("bird-dog", "a straight leg", flexion("end", *KNEE_N, hi=10)),
    Claim("dead-bug", "bent knees over your hips", under("start", "hip_n", "knee_n", 6)),
    Claim("dead-bug", "arm behind your head", forward_of("end", "head", "hand_f", 5)),
    Claim(
        "dead-bug", "low back touching the floor", on_the_mat("end", "hip", "dead-bug", TORSO_W / 2)
    ),
    Claim("heel-raise", "up onto your toes", low("end", "heel_n", 4, above=True)),
    Claim("heel-raise", "toes stay down", on_the_mat("end", "toe_n", "heel-raise", CONTACT)),
    Claim("heel-raise", "hands rest on the chair", stays(("hand_n",), 1.0)),
    Claim("scapular-squeeze", "shoulders down", rises("arm_root_n", hi=0.5)),
    Claim("scapular-squeeze", "elbows draw back", forward_of("end", "shoulder", "elbow_n", 3)),
    Claim(
        "doorway-chest-stretch",
        "elbows at shoulder height",
        level_with("start", "elbow_n", "shoulder", 4),
    ),
    Claim("doorway-chest-stretch", "one foot forward", forward_of("end", "ankle_n", "ankle_f", 10)),
    Claim(
        "neck-rotation",
        "turn your head, chin level",
        head_pose("end", tilt=(0, 10), turn=(40, 90), nod=(0, 10)),
    ),
    Claim("neck-rotation", "shoulders still", stays(("shoulder_l", "shoulder_r"))),
    Claim("shoulder-rolls", "lift your shoulders", rises("arm_root_n", lo=2)),
    Claim("shoulder-rolls", "head still", stays(("head",))),
    Claim("wall-angel", "goal-post arms", level_with("start", "elbow_r", "shoulder_r", 4)),
    Claim("wall-angel", "forearms up", higher("start", "hand_r", "elbow_r", 10)),
    Claim("wall-angel", "slide your arms up", rises("hand_r", lo=10)),
    *(
        Claim(
            "pendulum", "arm hangs straight", flexion(p, "arm_root_n", "elbow_n", "hand_n", hi=10)
        )
        for p in PHASES
    ),
    Claim("pendulum", "good hand stays on the table", stays(("hand_f",), 1.0)),
    Claim("band-external-rotation", "elbow against your side", stays(("elbow_r",))),
    Claim(
        "band-external-rotation",
        "elbow tucked in",
        side_by_side("end", "elbow_r", "shoulder_r", 5),
    ),
    Claim("band-row", "stand tall without leaning back", upright("end", 3)),
    Claim("band-row", "elbows back past your sides", forward_of("end", "shoulder", "elbow_n", 3)),
    # Straight but for the rolled towel under the knee, which the knee presses down into.
    Claim("quad-set", "legs straight", flexion("end", *KNEE_N, hi=15)),
    Claim("quad-set", "press your knee down", rises("knee_n", hi=0.0)),
    Claim("heel-slide", "heel on the floor", on_the_mat("end", "heel_n", "heel-slide", CONTACT)),
    Claim("heel-slide", "bend the knee", flexion("end", *KNEE_N, lo=45)),
    Claim("single-leg-balance", "one foot off the floor", low("end", "heel_n", 10, above=True)),
    Claim("single-leg-balance", "stand tall", upright("end", 4)),
    *(Claim(slug, "stand tall", upright("end", 4)) for slug in ("walking", "walking-program")),
    Claim("walking", "arms swing", forward_of("end", "hand_f", "hand_n", 5)),
    *(Claim("walking-program", "arms swing", swing(p)) for p in PHASES),
    Claim("step-up", "foot on the step", low("end", "heel_n", 12, above=True)),
    Claim("step-up", "stand up tall", flexion("end", *KNEE_N, hi=10)),
    Claim(
        "stationary-cycling",
        "knee slightly bent, pedal at the bottom",
        flexion("start", *KNEE_N, 10, 45),
    ),
    Claim("marching-on-the-spot", "stand tall", upright("end", 4)),
    Claim("marching-on-the-spot", "lift one knee", flexion("end", *HIP_N, lo=45)),
    Claim(
        "standing-hip-abduction",
        "keep the leg straight",
        flexion("end", "hip_r", "knee_r", "ankle_r", hi=5),
    ),
    Claim("standing-hip-abduction", "lift it out", low("end", "ankle_r", 5, above=True)),
    Claim("tense-and-relax", "let your shoulders drop", drops_toward_feet("arm_root_n", 3)),
]


def _claim_id(claim: Claim) -> str:
    return f"{claim.slug}: {claim.says}"


def test_claims_name_real_exercises():
    assert {c.slug for c in CLAIMS} <= set(EXERCISES)


def test_every_exercise_is_measured_against_its_text():
    """Issue 20: each picture is checked against at least one thing its own text says."""
    measured = {c.slug for c in CLAIMS} | {slug for _, slug in ruled()}
    assert not set(SLUGS) - measured


@pytest.mark.parametrize("claim", CLAIMS, ids=_claim_id)
def test_picture_shows_what_the_text_says(claim):
    ok, measured = claim.check(both(claim.slug))
    assert ok, f"{claim.slug}: text says {claim.says!r}, picture has {measured}"


# --- (d) Arrows stay visible -------------------------------------------------------------------


def _clearance(tip: Point, shape) -> float:
    """How far the point is outside a drawn shape (negative: inside it)."""
    if shape.kind == "circle":
        return distance(tip, shape.pts[0]) - shape.size
    pts = shape.pts
    if shape.kind == "curve":  # quadratic: sample it
        p0, c, p1 = pts
        pts = tuple(
            (
                (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t * t * p1[0],
                (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t * t * p1[1],
            )
            for t in (i / 20 for i in range(21))
        )
    return min(_segment_distance(tip, a, b) for a, b in pairwise(pts)) - shape.size / 2


@pytest.mark.parametrize("slug", SLUGS)
def test_arrow_heads_are_not_lost_in_a_highlighted_part(slug):
    """An arrow is drawn in the highlight colour: a head inside a highlighted body part
    vanishes and leaves a stray stub."""
    shapes, _ = scene_shapes(EXERCISES[slug], "end")
    parts = [
        s
        for s in shapes
        if s.name and s.name != "arrow" and s.kind != "poly" and ACCENT in (s.stroke, s.fill)
    ]
    heads = [shapes[i + 1] for i, s in enumerate(shapes) if s.name == "arrow"]
    assert heads or not EXERCISES[slug].arrows
    for head in heads:
        # Its point and its middle must both be clear: a head half buried reads as a stub.
        tip = head.pts[0]
        middle = (sum(p[0] for p in head.pts) / 3, sum(p[1] for p in head.pts) / 3)
        for where, point in (("point", tip), ("middle", middle)):
            worst = min((_clearance(point, part) for part in parts), default=math.inf)
            assert worst >= 0.0, (
                f"{slug}: arrow head's {where} {-worst:.1f} units inside a highlighted part"
            )


# --- (e) What every exercise's text says about placing the body ----------------------------------
# The claims above are per exercise, written by hand. These rules read the text itself, so a new
# exercise whose steps say "hands under your shoulders" is checked without anyone remembering to.


def _under(a: str, b: str, most: float = 8.0) -> Callable[[Body], tuple[bool, str]]:
    def fn(body: Body) -> tuple[bool, str]:
        dx = body.joints[a][0] - body.joints[b][0]
        return abs(dx) <= most, f"{a} {dx:.1f} from under {b}"

    return fn


def _hands_clear_of_the_knee_caps(body: Body) -> tuple[bool, str]:
    """Each hand holds a thigh from behind, never rests on top of a knee."""
    j = body.joints
    found = []
    for hand in ("hand_n", "hand_f"):
        behind = [behind_thigh("end", hand, side)({"end": body})[0] for side in "nf"]
        on_knee = min(distance(j[hand], j[f"knee_{s}"]) for s in "nf") < THIGH_W / 2 + HAND_R
        found.append((hand, any(behind), on_knee))
    ok = all(b and not k for _, b, k in found)
    return ok, ", ".join(f"{h}: behind a thigh {b}, on a knee {k}" for h, b, k in found)


def _a_foot_flat(body: Body, floor: float) -> tuple[bool, str]:
    j = body.joints
    flat = [
        s
        for s in "nf"
        if abs(j[f"heel_{s}"][1] - j[f"toe_{s}"][1]) <= 1.5
        and min(j[f"heel_{s}"][1], j[f"toe_{s}"][1]) - floor <= CONTACT
    ]
    return bool(flat), f"flat feet: {flat or 'none'}"


@dataclass(frozen=True)
class Rule:
    says: str  # a regular expression over the exercise's text
    phase: str
    check: Callable[[Body, float], tuple[bool, str]]  # (body, floor height)


RULES = [
    Rule(r"hands? under your shoulders", "start", lambda b, f: _under("hand_n", "shoulder")(b)),
    Rule(r"knees under your hips", "start", lambda b, f: _under("knee_n", "hip")(b)),
    Rule(
        r"behind (your|both) thighs?|not on top of your knee",
        "end",
        lambda b, f: _hands_clear_of_the_knee_caps(b),
    ),
    Rule(r"feet flat|foot flat", "start", _a_foot_flat),
    Rule(
        r"flat back|back straight|back stays flat",
        "end",
        lambda b, f: (bend(b, "hip", "mid", "shoulder") <= 8, "back bent"),
    ),
    Rule(
        r"knees side by side",
        "end",
        lambda b, f: side_by_side("end", "knee_n", "knee_f")({"end": b}),
    ),
]


def ruled() -> list[tuple[Rule, str]]:
    """Every (rule, exercise) pair whose text says it, for the side-view pictures."""
    pairs = []
    for rule in RULES:
        for slug in SLUGS:
            side_view = isinstance(getattr(EXERCISES[slug], rule.phase), Pose)
            if side_view and re.search(rule.says, exercise_text(slug)):
                pairs.append((rule, slug))
    return pairs


def test_every_text_rule_finds_exercises_to_check():
    found = {rule.says for rule, _ in ruled()}
    assert found == {rule.says for rule in RULES}


@pytest.mark.parametrize(("rule", "slug"), ruled(), ids=lambda x: getattr(x, "says", x))
def test_picture_places_the_body_as_the_text_says(rule, slug):
    ok, measured = rule.check(posed(slug, rule.phase), ground(slug, rule.phase))
    assert ok, f"{slug}: text says {rule.says!r}, {rule.phase} picture has {measured}"


# --- (f) Every figure rests on what holds it up ------------------------------------------------
# The standing check above, for every side-view picture: sitting on a chair or a bike saddle,
# kneeling, on hands and knees, lying. The weight must be over what touches the floor (and,
# sitting, the seat under the hips), or the figure would tip over.

# How far each drawn point's outline reaches below it: its own half width.
REACH = {
    "head": HEAD_R,
    "hip": TORSO_W / 2,
    "mid": TORSO_W / 2,
    "shoulder": TORSO_W / 2,
    "belly": TORSO_W / 2,
    "knee": THIGH_W / 2,
    "elbow": UPPER_ARM_W / 2,
    "hand": HAND_R,
    "wrist": HAND_R,
}
SEAT = (-11.0, 12.0)  # the chair's seat from its back to its front edge, from the hip


def _reach(joint: str) -> float:
    return REACH.get(joint.split("_")[0], SHIN_W / 2) + HALO / 2 + 1.0


def side_view_pictures() -> list[tuple[str, str]]:
    return [
        (slug, phase)
        for slug in SLUGS
        for phase in PHASES
        if isinstance(getattr(EXERCISES[slug], phase), Pose)
        # Lying on the side seen from the front and a little from above, "down the picture"
        # is also "toward the viewer" (a bent knee): heights cannot be read off the picture.
        and getattr(EXERCISES[slug], phase).face == "profile"
        and (slug, phase) not in STANDING
        and slug not in SUPPORTED
    ]


@pytest.mark.parametrize(("slug", "phase"), side_view_pictures())
def test_every_figure_has_its_weight_over_its_support(slug, phase):
    body = posed(slug, phase)
    j, floor = body.joints, ground(slug, phase)
    xs = [x for k, (x, y) in j.items() if y - floor <= _reach(k)]
    if TEXT[slug]["position"] == "sitting":
        seat_hip = posed(slug, "start").joints["hip"][0]
        xs += [seat_hip + SEAT[0], seat_hip + SEAT[1]]
    assert xs, f"{slug} {phase}: nothing touches the floor"
    x, _ = centre_of_mass(body)
    assert min(xs) - MARGIN <= x <= max(xs) + MARGIN, (
        f"{slug} {phase}: centre of mass at x={x:.1f}, support from {min(xs):.1f} to {max(xs):.1f}"
    )


def test_the_support_check_covers_sitting_kneeling_and_lying():
    positions = {TEXT[slug]["position"] for slug, _ in side_view_pictures()}
    assert {"sitting", "kneeling", "quadruped", "supine", "prone"} <= positions
