"""Pose data: a handful of base positions and, per exercise slug, small overrides of them.

Adding an exercise picture = adding one `Exercise(...)` entry here.  Angles follow the
conventions in `skeleton.Pose` (degrees, flexion positive, figure facing +x).
"""

from __future__ import annotations

import math
from dataclasses import replace

from .props import (
    MAT_H,
    backdrop,
    band,
    bike,
    calf_rest,
    door_post,
    dowel,
    front_seat,
    mat,
    rail,
    seat,
    step,
    strap,
    support_chair,
    table,
    top_mat,
    towel_roll,
    wall,
    weight,
)
from .scene import Arrow, Exercise
from .skeleton import FOOT, FOOT_W, SHIN, THIGH, FrontPose, Pose

# --- Base positions ---------------------------------------------------------------------------
# Heights: a lying torso's centre line is half the torso width (7.5) above the support, a
# flat foot's ankle is half the foot width (2.5) up, a kneeling knee half the thigh width.

STAND = Pose(sh_n=4, el_n=12, sh_f=-4, el_f=12)
STAND_FIXED = replace(STAND, hip_y=49.5)  # explicit hip height so hands can target the floor

SUPINE = Pose(trunk=-90, hip_y=7.5, ground=MAT_H, ankle_n=-10, ankle_f=-10, sh_n=6, sh_f=3)
# On the back, knees bent, feet flat ("hook lying").
SUPINE_HOOK = replace(
    SUPINE,
    leg_n_to=("floor", 33, 2.5),
    leg_f_to=("floor", 31, 2.5),
    foot_n=0,
    foot_f=0,
)
PRONE = Pose(trunk=90, hip_y=7.5, ground=MAT_H, foot_n=182, foot_f=182, neck=-5)

# Hands and knees: knees under hips, hands under shoulders; the back slopes up a little
# because the arms are longer than the thighs.
QUAD = Pose(
    trunk=77,
    hip_y=28.5,
    ground=MAT_H,
    neck=12,
    leg_n_to=("floor", -23, 4),
    leg_f_to=("floor", -21, 4),
    foot_n=180,
    foot_f=180,
    arm_n_to=("floor", 30, 3.2),
    arm_f_to=("floor", 28, 3.2),
)

SIT = Pose(
    hip_y=25.0,
    leg_n_to=("floor", 24, 2.5),
    leg_f_to=("floor", 22, 2.5),
    foot_n=0,
    foot_f=0,
    sh_n=22,
    el_n=55,
    sh_f=18,
    el_f=55,
)

# Lying on the side, seen from the front: hips stacked, head resting on the lower arm.
# The view is a little from above, on a mat whose top shows as a band (mat(SIDE_MAT)), so
# bends that point at the viewer can show: a hip or knee bent forwards (toward the viewer) is
# drawn going down the picture, shortened; toes pointing forwards are short and point down.
SIDE_MAT = 14.0
SIDE_LYING = Pose(
    trunk=-90,
    hip_y=17.5,
    ground=MAT_H,
    hips=(0, 3.5),
    face="front",
    sh_f=175,
    el_f=0,
    sh_n=10,
    el_n=10,
    foot_n=-80,
    foot_f=-80,
    scale=(("foot_n", 0.6), ("foot_f", 0.6)),
    neck=-5,
)
# Side-lying with the hips (about 45 degrees) and knees (about 90) bent forwards.
_bent = (("thigh", 0.7), ("shin", 0.8), ("foot", 0.6))
_SIDE_BENT = replace(
    SIDE_LYING,
    hip_n=-35,
    knee_n=-75,
    hip_f=-35,
    knee_f=-75,
    foot_n=-60,
    foot_f=-60,
    scale=tuple((f"{part}_{side}", k) for side in "nf" for part, k in _bent),
)

FRONT_SIT = FrontPose()

# --- Exercises -------------------------------------------------------------------------------

_cat = replace(QUAD, trunk=64, spine=30, neck=40)
_cow = replace(QUAD, trunk=106, spine=-48, neck=-36)

_tabletop = replace(
    SUPINE, hip_n=90, knee_n=90, hip_f=90, knee_f=90, sh_n=90, sh_f=90, ankle_n=-20, ankle_f=-20
)

_kneel_up = Pose(
    hip_y=28.5,
    ground=MAT_H,
    leg_n_to=("floor", 25, 2.5),
    leg_f_to=("floor", -23, 4),
    foot_n=0,
    foot_f=180,
    arm_n_to=("hip", 4, 2),
    arm_f_to=("hip", 2, 2),
)

# Side-lying propped on the elbow (the near arm here), knees bent: the shins point back, away
# from the viewer, so they go up the picture, shortened.  The pelvis rests on the middle of
# the mat's top, like the other side-lying figures.
_side_prop_start = replace(
    SIDE_LYING,
    trunk=-68,
    hips=(0, 0),
    hip_y=7.5,
    ground=MAT_H + 10,
    hip_n=22,
    hip_f=22,
    knee_n=-80,
    knee_f=-80,
    scale=(("shin_n", 0.6), ("shin_f", 0.6), ("forearm_n", 0.5), ("foot_n", 0.6), ("foot_f", 0.6)),
    sh_n=-68,
    el_n=90,
    sh_f=-10,
    el_f=40,
    foot_n=60,
    foot_f=60,
    neck=-18,
)

_plank_knees = Pose(
    trunk=74.7,
    hip_y=10.8,
    ground=MAT_H,
    knee_n=15,
    knee_f=15,
    foot_n=180,
    foot_f=180,
    sh_n=74.7,
    el_n=90,
    sh_f=74.7,
    el_f=90,
    neck=15,
)

# Figure four seen from the side of the bottom leg: the far leg crosses, its ankle resting on
# top of the near knee and its foot showing above it; its thigh, turned out towards the far
# side, is drawn short.
_figure_four = replace(
    SUPINE_HOOK,
    leg_f_to=("knee_n", -4.0, 7.0),
    scale=(("thigh_f", 0.74), ("shin_f", 0.59)),
    foot_f=None,
    ankle_f=0,
)

_wall_sit = replace(
    STAND, hip_y=47.0, leg_n_to=("floor", 16, 2.5), leg_f_to=("floor", 14, 2.5), foot_n=0, foot_f=0
)

_chair_hold = replace(STAND_FIXED, arm_n_to=("floor", 24, 57), sh_f=10)

# Arms out to the side on the door frame: the upper arms point almost at the viewer, so they
# are drawn short; the forearms stand up along the frame.
_door_start = replace(
    STAND,
    sh_n=90,
    el_n=90,
    sh_f=90,
    el_f=90,
    scale=(("upper_arm_n", 0.65), ("upper_arm_f", 0.65)),
)

_pendulum = replace(
    STAND,
    trunk=62,
    hip_y=46,
    leg_n_to=("floor", -6, 2.5),
    leg_f_to=("floor", 14, 2.5),
    foot_n=0,
    foot_f=0,
    sh_n=62,
    el_n=0,
    arm_f_to=("floor", 40, 58),
    neck=-10,
)

_hands_on_low_back = replace(STAND, arm_n_to=("mid", -9, -4), arm_f_to=("mid", -9, -4))

# Prone with the forehead resting on the stacked hands; the arms, folded out to the sides,
# are drawn short.
_prone_head_on_hands = replace(
    PRONE,
    spine=-5,
    neck=-20,
    arm_n_to=("head", 3, -8.5),
    arm_f_to=("head", 5, -8.5),
    scale=(("upper_arm_n", 0.45), ("forearm_n", 0.55), ("upper_arm_f", 0.45), ("forearm_f", 0.55)),
)

_row_start = replace(STAND, sh_n=82, el_n=0, sh_f=78, el_f=0)

_sit_edge = replace(
    SIT,
    leg_n_to=("floor", 42, 5),
    foot_n=70,
    arm_n_to=("knee_n", -8, 5),
    arm_f_to=("knee_f", -10, 5),
)

# One hand on the tummy (near), one on the chest (far, just showing above it).
_breath = replace(SUPINE_HOOK, arm_n_to=("belly", 1, 8.5), arm_f_to=("shoulder", 6, 8.5))

# One knee bent, hands slid under the small of the back: the arms reach in under the body,
# away from the viewer, so they are drawn short.
_curl_up = replace(
    SUPINE,
    leg_f_to=("floor", 31, 2.5),
    foot_f=0,
    arm_n_to=("hip", -9, -4.5),
    arm_f_to=("hip", -11, -4.5),
    scale=(("upper_arm_n", 0.7), ("forearm_n", 0.7), ("upper_arm_f", 0.7), ("forearm_f", 0.7)),
)

# Hands resting on the thighs, head bowed: the start of the seated nerve glide.
_sit_bowed = replace(SIT, neck=24, head=14)

_prone_on_elbows = replace(
    PRONE,
    trunk=82,
    spine=-22,
    neck=14,
    sh_n=60,
    el_n=95,
    sh_f=60,
    el_f=95,
    # The legs stay flat on the mat as the chest comes up.
    hip_n=-8,
    hip_f=-8,
)

# Arms straight down, hands together holding one weight in front of the thighs.
_hold_weight = replace(STAND_FIXED, sh_n=4, el_n=0, sh_f=2, el_f=0)

# Walking stride, near leg in front (the end of "walking"), used by the carries and the walks.
_stride = replace(
    STAND_FIXED,
    hip_y=47.5,
    leg_n_to=("floor", 15, 4.5),
    foot_n=18,
    leg_f_to=("floor", -15, 6),
    foot_f=-22,
)

# On an exercise bike: hands on the bars, the feet on pedals half a turn apart round a crank
# below and in front of the saddle.
_CRANK = (10.0, -37.0)


def _pedal(angle: float) -> tuple[float, float]:
    return (
        _CRANK[0] + 8.0 * math.cos(math.radians(angle)),
        _CRANK[1] + 8.0 * math.sin(math.radians(angle)),
    )


def _cycling(near: float) -> Pose:
    n, f = _pedal(near), _pedal(near + 180.0)
    return Pose(
        hip_y=62.0,
        trunk=22,
        neck=-14,
        leg_n_to=("hip", *n),
        leg_f_to=("hip", *f),
        foot_n=-8,
        foot_f=-8,
        arm_n_to=("hip", 30, 19),
        arm_f_to=("hip", 28, 19),
    )


# Split stance: near foot in front flat, far foot behind on its toes.
_split = replace(
    STAND_FIXED,
    hip_y=47.0,
    sh_n=0,
    el_n=10,
    sh_f=0,
    el_f=10,
    leg_n_to=("floor", 16, 2.5),
    foot_n=0,
    leg_f_to=("floor", -22, 6.5),
    foot_f=-40,
)

# Standing holding the chair with the far hand, so the near hand is free (quad stretch).
_chair_hold_far = replace(STAND_FIXED, arm_f_to=("floor", 24, 57), sh_n=8, el_n=20)

# Standing facing a wall, forearms on it; the hands slide up it.
_wall_facing = replace(STAND_FIXED, arm_n_to=("floor", 16, 94), arm_f_to=("floor", 15, 94))


def _lean(trunk: float, wall: tuple[float, float] = (40.0, 80.0)) -> Pose:
    """Body straight from heels to head, leaning forward onto hands on a wall that stays at
    `wall` (x from the toes, height) whatever the lean: the figure is anchored at its toes."""
    rad = math.radians(trunk)
    leg = THIGH + SHIN
    toe = -leg * math.sin(rad) + FOOT  # toe x with the hip at x = 0
    return Pose(
        trunk=trunk,
        hip_y=FOOT_W / 2 + leg * math.cos(rad),
        foot_n=0,
        foot_f=0,
        neck=-trunk * 0.5,
        arm_n_to=("floor", wall[0] + toe, wall[1]),
        arm_f_to=("floor", wall[0] + toe - 1.5, wall[1]),
    )


# The elbows point out to the sides, at the viewer, so the arms are drawn short.
_seated_breath = replace(
    SIT,
    arm_n_to=("belly", 2, 4),
    arm_f_to=("shoulder", 7, -7),
    scale=(("upper_arm_n", 0.6), ("forearm_n", 0.6), ("upper_arm_f", 0.6), ("forearm_f", 0.6)),
)


EXERCISES: dict[str, Exercise] = {
    "cat-cow": Exercise(
        start=_cat,
        end=_cow,
        highlight=("torso", "head"),
        arrows=(Arrow("mid", offset=(0, 21), kind="nudge", vector=(0, -7), bend=0.0),),
        props=(mat(),),
        ghost=False,
    ),
    "knee-to-chest-single": Exercise(
        start=SUPINE_HOOK,
        end=replace(
            SUPINE_HOOK,
            leg_n_to=None,
            hip_n=115,
            knee_n=115,
            foot_n=None,
            # Both hands behind the thigh, in the crook of the knee; never on top of the knee.
            arm_n_to=("knee_n", 11, -5),
            arm_f_to=("knee_n", 9, -5),
        ),
        highlight=("leg_n",),
        arrows=(Arrow("knee_n", offset=(4, 9), bend=-0.35),),
        props=(mat(),),
    ),
    "knee-to-chest-double": Exercise(
        start=SUPINE_HOOK,
        end=replace(
            SUPINE_HOOK,
            leg_n_to=None,
            leg_f_to=None,
            hip_n=115,
            knee_n=115,
            hip_f=108,
            knee_f=122,
            foot_n=None,
            foot_f=None,
            # Each hand behind its own thigh, not on top of the knees.
            arm_n_to=("knee_n", 11, -5),
            arm_f_to=("knee_f", 9, -5),
        ),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("knee_n", offset=(4, 9), bend=-0.35),),
        props=(mat(),),
    ),
    "pelvic-tilt": Exercise(
        start=replace(
            SUPINE_HOOK, trunk=-64, spine=-36, arm_n_to=("hip", -3, 8), arm_f_to=("hip", -5, 8)
        ),
        end=replace(
            SUPINE_HOOK, trunk=-92, spine=0, arm_n_to=("hip", -3, 8), arm_f_to=("hip", -5, 8)
        ),
        highlight=("torso.pelvis",),
        arrows=(Arrow("hip", kind="arc", radius=13, a0=20, a1=125),),
        props=(mat(),),
    ),
    "prayer-stretch": Exercise(
        start=QUAD,
        # Shoulders kept a little higher and the head tucked right under them, so the head
        # shows below the outstretched near arm instead of hiding behind it.
        end=replace(
            QUAD,
            hip_y=17,
            trunk=74,
            spine=10,
            neck=96,
            leg_n_to=("floor", -4, 4),
            leg_f_to=("floor", -2, 4),
            arm_n_to=("floor", 56, 3.2),
            arm_f_to=("floor", 54, 3.2),
        ),
        highlight=("torso", "arm_n", "arm_f", "head"),
        arrows=(Arrow("hip", offset=(0, 16), bend=0.3),),
        props=(mat(),),
        anchor="knee_n",
    ),
    "lower-trunk-rotation": Exercise(
        start=FrontPose(view="top"),
        end=FrontPose(view="top", knees=1.0),
        highlight=("leg_l", "leg_r"),
        arrows=(Arrow("knee_r", offset=(8, 4), bend=-0.35),),
        props=(top_mat(),),
        floor=False,
    ),
    "bird-dog": Exercise(
        start=QUAD,
        end=replace(
            QUAD,
            neck=28,
            arm_f_to=None,
            sh_f=178,
            el_f=0,
            leg_n_to=None,
            hip_n=-13,
            knee_n=0,
            foot_n=None,
            ankle_n=-30,
        ),
        highlight=("arm_f", "leg_n"),
        arrows=(
            Arrow("hand_f", offset=(4, 4), bend=0.35),
            Arrow("ankle_n", offset=(-6, 10), bend=-0.35),
        ),
        props=(mat(),),
    ),
    "glute-bridge": Exercise(
        start=SUPINE_HOOK,
        # Hips lifted until knees, hips and shoulders line up, and no higher (no arched back);
        # arms resting on the floor by the sides.
        end=replace(
            SUPINE_HOOK,
            trunk=-110,
            hip_y=17.5,
            neck=20,
            arm_n_to=("floor", 3, 3.2),
            arm_f_to=("floor", 1, 3.2),
            leg_n_to=("floor", 22, 2.5),
            leg_f_to=("floor", 20, 2.5),
        ),
        highlight=("torso",),
        arrows=(Arrow("hip", offset=(0, 10), kind="nudge", vector=(0, 8), bend=0.0),),
        props=(mat(),),
    ),
    "dead-bug": Exercise(
        start=_tabletop,
        end=replace(_tabletop, sh_f=172, hip_n=30, knee_n=0, ankle_n=-30),
        highlight=("arm_f", "leg_n"),
        arrows=(
            Arrow("hand_f", offset=(2, 4), bend=0.4),
            Arrow("ankle_n", offset=(8, 4), bend=-0.4),
        ),
        props=(mat(),),
    ),
    "side-plank": Exercise(
        start=_side_prop_start,
        # Knees, hips and head in a line (the hips a touch above it, so the small lift shows).
        end=replace(_side_prop_start, trunk=-76, hip_y=12.5, hip_n=-4, hip_f=-4, sh_n=-76, neck=0),
        highlight=("torso", "leg_n", "leg_f"),
        arrows=(Arrow("hip", offset=(0, 11), bend=0.0, kind="nudge", vector=(0, 9)),),
        props=(mat(SIDE_MAT),),
        anchor="elbow_n",
    ),
    # One support version throughout (knees, where the text says to start): set up lying on
    # the front on the forearms, then hold the body lifted in a line from head to knees.
    "plank": Exercise(
        start=replace(
            _plank_knees,
            trunk=80,
            spine=-24,
            hip_y=7.5,
            hip_n=-10,
            hip_f=-10,
            knee_n=0,
            knee_f=0,
            sh_n=56,
            sh_f=56,
            neck=22,
        ),
        end=_plank_knees,
        highlight=("torso", "leg_n.thigh", "leg_f.thigh"),
        arrows=(Arrow("hip", offset=(0, 9), kind="nudge", vector=(0, 9), bend=0.0),),
        props=(mat(),),
        anchor="elbow_n",
    ),
    # Hips and knees bent, feet together; the top knee opens while the feet stay touching.
    "clamshell": Exercise(
        start=_SIDE_BENT,
        end=replace(
            _SIDE_BENT,
            leg_n_to=("ankle_f", 0, 7.0),
            scale=(("thigh_n", 1.0), ("shin_n", 0.95), *_SIDE_BENT.scale[3:]),
        ),
        highlight=("leg_n.thigh", "leg_n.shin"),
        arrows=(Arrow("knee_n", offset=(8, 4), bend=-0.3),),
        props=(mat(SIDE_MAT),),
    ),
    # Hands under the small of the back; head and shoulders lift a little as one piece (no
    # chin tuck), and the hands stay where they are.
    "curl-up": Exercise(
        start=_curl_up,
        end=replace(_curl_up, spine=16, neck=0),
        highlight=("torso", "head"),
        arrows=(Arrow("shoulder", offset=(-2, 14), bend=-0.3),),
        props=(mat(),),
    ),
    "prone-press-up": Exercise(
        start=replace(PRONE, arm_n_to=("floor", 30, 3.2), arm_f_to=("floor", 28, 3.2)),
        end=replace(
            PRONE,
            trunk=80,
            spine=-34,
            neck=-12,
            hip_n=-11,
            hip_f=-11,
            arm_n_to=("floor", 30, 3.2),
            arm_f_to=("floor", 28, 3.2),
        ),
        highlight=("torso", "head", "arm_n", "arm_f"),
        arrows=(Arrow("head", offset=(-10, 8), bend=0.35),),
        props=(mat(),),
    ),
    "hamstring-stretch-supine": Exercise(
        # Both knees bent to start; the strapped leg then straightens up toward the ceiling.
        start=replace(
            SUPINE_HOOK,
            leg_n_to=None,
            foot_n=None,
            hip_n=80,
            knee_n=90,
            ankle_n=0,
            sh_n=60,
            el_n=30,
            sh_f=55,
            el_f=30,
        ),
        end=replace(
            SUPINE_HOOK,
            leg_n_to=None,
            foot_n=None,
            hip_n=72,
            ankle_n=0,
            sh_n=85,
            el_n=20,
            sh_f=80,
            el_f=20,
        ),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(8, 4), bend=0.35),),
        props=(mat(),),
        front_props=(strap(),),
    ),
    # Weight shifted forward with the trunk kept upright: the text says not to lean back.
    "hip-flexor-stretch-kneeling": Exercise(
        start=_kneel_up,
        end=replace(
            _kneel_up, hip_y=27, trunk=0, leg_n_to=("floor", 17, 2.5), leg_f_to=("floor", -31, 4)
        ),
        highlight=("torso.pelvis", "leg_f.thigh"),
        arrows=(Arrow("hip", offset=(0, -12), bend=0.0),),
        props=(mat(),),
        anchor="ankle_n",
    ),
    "piriformis-stretch": Exercise(
        start=_figure_four,
        # The bottom (near) leg is drawn in, hands behind its thigh; the crossed ankle rides
        # on its knee.
        end=replace(
            _figure_four,
            leg_n_to=None,
            hip_n=112,
            knee_n=110,
            foot_n=None,
            arm_n_to=("knee_n", 11, -5),
            arm_f_to=("knee_n", 9, -5),
        ),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("knee_n", offset=(4, 9), bend=-0.35),),
        props=(mat(),),
        ghost=False,
    ),
    # "Until your knees are a little bent": a shallow slide, knees bent well under 45 degrees.
    "wall-squat": Exercise(
        start=_wall_sit,
        end=replace(_wall_sit, hip_y=44.5),
        highlight=("torso", "leg_n.thigh", "leg_f.thigh"),
        arrows=(Arrow("mid", offset=(13, 6), kind="nudge", vector=(0, -9), bend=0.0),),
        props=(wall("hip", -8.0),),
    ),
    # Up on the balls of the feet, the body shifted forward so the weight stays over the toes
    # (anchored) rather than behind them; the hand stays where it rests on the chair.
    "heel-raise": Exercise(
        start=_chair_hold,
        end=replace(
            _chair_hold,
            hip_y=55.5,
            trunk=2,
            leg_n_to=("floor", -5, 8.8),
            leg_f_to=("floor", -5, 8.8),
            foot_n=-48,
            foot_f=-48,
            arm_n_to=("floor", 15.4, 57.8),
        ),
        highlight=("leg_n.foot", "leg_f.foot", "leg_n.shin", "leg_f.shin"),
        arrows=(Arrow("heel_n", offset=(-7, 0), kind="nudge", vector=(0, 9), bend=0.0),),
        props=(support_chair(),),
        anchor="toe_n",
    ),
    "chin-tuck": Exercise(
        start=replace(SIT, neck=32, head=-32),
        end=SIT,
        highlight=("head",),
        arrows=(Arrow("head", offset=(3, 11), kind="nudge", vector=(-9, 0), bend=0.0),),
        props=(seat(),),
    ),
    "scapular-squeeze": Exercise(
        start=replace(SIT, sh_n=0, el_n=80, sh_f=0, el_f=80),
        end=replace(SIT, sh_n=-32, el_n=85, sh_f=-32, el_f=85, girdle=(-2.5, 0), spine=-4),
        highlight=("arm_n", "arm_f"),
        arrows=(Arrow("elbow_n", offset=(0, -7), bend=0.3),),
        props=(seat(),),
    ),
    "doorway-chest-stretch": Exercise(
        start=_door_start,
        end=replace(
            _door_start,
            hip_y=47.5,
            x=20,
            trunk=4,
            sh_n=-90,
            el_n=-90,
            sh_f=-90,
            el_f=-90,
            scale=(("upper_arm_n", 0.62), ("upper_arm_f", 0.62)),
            leg_n_to=("floor", 12, 2.5),
            leg_f_to=("floor", -12, 2.5),
            foot_n=0,
            foot_f=0,
        ),
        highlight=("torso",),
        arrows=(Arrow("head", offset=(0, 12), bend=0.0),),
        props=(door_post("elbow_n", 0.0),),
        ghost=False,
    ),
    # Upper trapezius: ear to shoulder (a pure side-bend, eyes still forward); the free hand
    # reaches over and rests on the far side of the head, the other holds the seat.
    "upper-trap-stretch": Exercise(
        start=FRONT_SIT,
        end=FrontPose(tilt=34, arm_l=(14, 0), hand_r_to=("head", -4.8, 5.7)),
        highlight=("head", "arm_r"),
        arrows=(Arrow("shoulder", kind="arc", radius=29, a0=100, a1=62),),
        props=(front_seat(),),
    ),
    # Levator scapulae: nose to the other armpit (turn and bow the head, little side-bend);
    # the hand rests on the back of the head, elbow forward, so the arm is drawn short.
    "levator-scapulae-stretch": Exercise(
        start=FRONT_SIT,
        end=FrontPose(
            tilt=14, turn=40, nod=40, arm_l=(14, 0), hand_r_to=("head", 1.1, 6.4), reach=0.65
        ),
        highlight=("head", "arm_r"),
        arrows=(Arrow("shoulder", kind="arc", radius=24, a0=100, a1=50),),
        props=(front_seat(),),
    ),
    "neck-rotation": Exercise(
        start=FRONT_SIT,
        end=FrontPose(turn=62),
        highlight=("head",),
        arrows=(Arrow("head", kind="arc", radius=11, a0=125, a1=55, offset=(0, 2)),),
        props=(front_seat(),),
    ),
    "shoulder-rolls": Exercise(
        start=replace(SIT, sh_n=0, el_n=20, sh_f=0, el_f=20),
        end=replace(SIT, sh_n=-6, el_n=20, sh_f=-6, el_f=20, girdle=(-2.5, 3.0)),
        highlight=("arm_n.upper", "arm_f.upper"),
        arrows=(Arrow("arm_root_n", kind="arc", radius=9, a0=-10, a1=200),),
        props=(seat(),),
    ),
    "wall-angel": Exercise(
        start=FrontPose(standing=True, arm_l=(90, -90), arm_r=(90, -90)),
        end=FrontPose(standing=True, arm_l=(150, -25), arm_r=(150, -25)),
        highlight=("arm_l", "arm_r"),
        arrows=(
            Arrow("hand_r", offset=(5, 0), bend=-0.3),
            Arrow("hand_l", offset=(-5, 0), bend=0.3),
        ),
        props=(backdrop(-34.0, 34.0, 112.0),),
    ),
    "pendulum": Exercise(
        start=_pendulum,
        end=replace(_pendulum, sh_n=74),
        highlight=("arm_n",),
        arrows=(Arrow("hand_n", kind="arc", radius=7, a0=-60, a1=230),),
        props=(table("hand_f"),),
    ),
    "band-external-rotation": Exercise(
        start=FrontPose(standing=True, arm_r=(4, 95)),
        end=FrontPose(standing=True, arm_r=(4, -60)),
        highlight=("arm_r.fore", "arm_r.hand"),
        arrows=(Arrow("hand_r", offset=(0, -7), bend=0.3),),
        props=(),
        front_props=(band("hand_r", (-40.0, 0.0)),),
    ),
    "band-row": Exercise(
        start=_row_start,
        end=replace(_row_start, sh_n=-35, el_n=100, sh_f=-35, el_f=100),
        highlight=("arm_n", "arm_f"),
        # Along the hands, above the band: an elbow arrow ended inside the teal arm, a stray stub.
        arrows=(Arrow("hand_n", offset=(0, 9), bend=0.0),),
        front_props=(band("hand_n", (34.0, 0.0)),),
    ),
    "sit-to-stand": Exercise(
        start=replace(SIT, trunk=12, leg_n_to=("floor", 20, 2.5), leg_f_to=("floor", 18, 2.5)),
        end=replace(STAND, sh_n=22, el_n=55, sh_f=18, el_f=55),
        highlight=("torso", "leg_n.thigh", "leg_f.thigh"),
        arrows=(Arrow("shoulder", offset=(12, 4), bend=-0.3),),
        props=(seat(),),
        anchor="ankle_n",
    ),
    "straight-leg-raise": Exercise(
        start=replace(SUPINE_HOOK, leg_n_to=None, foot_n=None),
        end=replace(SUPINE_HOOK, leg_n_to=None, foot_n=None, hip_n=38, ankle_n=0),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(7, 2), bend=0.35),),
        props=(mat(),),
    ),
    "quad-set": Exercise(
        start=replace(SUPINE, leg_n_to=("floor", 44, 3.75), ankle_n=-5),
        end=replace(SUPINE, leg_n_to=("floor", 46.6, 3.75), ankle_n=-5),
        highlight=("leg_n.thigh",),
        arrows=(Arrow("knee_n", offset=(0, 15), kind="nudge", vector=(0, -6), bend=0.0),),
        props=(mat(), towel_roll("knee_n", 3.5)),
    ),
    "heel-slide": Exercise(
        start=SUPINE,
        end=replace(SUPINE, leg_n_to=("floor", 28, 3.0), foot_n=0),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(0, 11), bend=0.0),),
        props=(mat(),),
    ),
    # Bottom knee bent for balance, top leg straight in line with the body, toes forward.
    "side-lying-hip-abduction": Exercise(
        start=replace(_SIDE_BENT, hip_n=0, knee_n=0, foot_n=-80),
        end=replace(_SIDE_BENT, hip_n=30, knee_n=0, foot_n=-50),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(6, 2), bend=0.3),),
        props=(mat(SIDE_MAT),),
    ),
    "single-leg-balance": Exercise(
        start=_chair_hold,
        end=replace(_chair_hold, hip_n=55, knee_n=80, ankle_n=-15),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(-4, 2), bend=-0.3),),
        props=(support_chair(),),
    ),
    "calf-stretch-wall": Exercise(
        start=replace(
            STAND_FIXED,
            arm_n_to=("floor", 33, 80),
            arm_f_to=("floor", 33, 80),
            leg_n_to=("floor", 0.5, 2.5),
            leg_f_to=("floor", -0.5, 2.5),
            foot_n=0,
            foot_f=0,
        ),
        end=replace(
            STAND_FIXED,
            hip_y=45.5,
            trunk=14,
            arm_n_to=("floor", 33, 80),
            arm_f_to=("floor", 33, 80),
            leg_n_to=("floor", -19, 2.5),
            leg_f_to=("floor", 12, 2.5),
            foot_n=0,
            foot_f=0,
        ),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(-4, 10), bend=0.3),),
        props=(wall("hand_n", 3.2),),
    ),
    "diaphragmatic-breathing": Exercise(
        start=_breath,
        end=replace(_breath, belly=3.5),
        highlight=("torso.belly",),
        arrows=(Arrow("belly", offset=(9, 10), kind="nudge", vector=(0, 8), bend=0.0),),
        props=(mat(),),
    ),
    "walking": Exercise(
        start=replace(STAND_FIXED, sh_n=0, sh_f=0),
        end=replace(
            STAND_FIXED,
            hip_y=47.5,
            leg_n_to=("floor", 15, 4.5),
            foot_n=18,
            leg_f_to=("floor", -15, 6),
            foot_f=-22,
            sh_n=-28,
            el_n=18,
            sh_f=28,
            el_f=18,
        ),
        highlight=("leg_n", "arm_f"),
        arrows=(Arrow("toe_n", offset=(5, 5), kind="nudge", vector=(10, 0), bend=0.0),),
    ),
    "seated-thoracic-rotation": Exercise(
        start=FrontPose(crossed=True),
        end=FrontPose(crossed=True, twist=50),
        highlight=("torso", "arm_l", "arm_r", "head"),
        arrows=(Arrow("shoulder", kind="arc", radius=19, a0=150, a1=40, offset=(0, -6)),),
        props=(front_seat(),),
        ghost=False,
    ),
    # The hips move forward over the feet and the upper body leans back from the low back; the
    # feet stay put (anchored) and the head keeps looking ahead.  Tipping the whole straight
    # body back from the ankles would put the weight behind the heels.
    "standing-back-extension": Exercise(
        start=replace(_hands_on_low_back, foot_n=0, foot_f=0),
        end=replace(
            _hands_on_low_back,
            trunk=-10,
            spine=-20,
            neck=28,
            hip_n=-18,
            hip_f=-18,
            foot_n=0,
            foot_f=0,
        ),
        highlight=("torso", "head"),
        arrows=(Arrow("mid", kind="arc", radius=36, a0=72, a1=100),),
        anchor="ankle_n",
    ),
    "step-up": Exercise(
        start=STAND,
        end=replace(STAND, ground=13.0, x=30.0),
        highlight=("leg_n",),
        arrows=(Arrow("hip", offset=(-10, 14), bend=0.3),),
        props=(step(14.0, 46.0, 13.0),),
    ),
    # "About a quarter of the way down": knees bent about 45 degrees, bottom pushed back.
    "mini-squat": Exercise(
        start=replace(STAND_FIXED, arm_n_to=("floor", 24, 57), arm_f_to=("floor", 24, 57)),
        end=replace(
            STAND_FIXED,
            hip_y=45.5,
            trunk=20,
            leg_n_to=("floor", 6, 2.5),
            leg_f_to=("floor", 6, 2.5),
            foot_n=0,
            foot_f=0,
            arm_n_to=("floor", 30, 57),
            arm_f_to=("floor", 30, 57),
        ),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("hip", offset=(-12, 0), bend=0.2),),
        props=(support_chair(),),
        anchor="toe_n",
    ),
    # Broom handle along the back, touching head, upper back and tailbone: one hand holds it
    # behind the low back, the other (far, mostly hidden) behind the neck.
    "hip-hinge": Exercise(
        start=replace(STAND, arm_n_to=("mid", -7.4, -7), arm_f_to=("head", -6.7, -7.5)),
        end=replace(
            STAND_FIXED,
            hip_y=47.5,
            trunk=58,
            neck=-6,
            leg_n_to=("floor", 7, 2.5),
            leg_f_to=("floor", 6, 2.5),
            foot_n=0,
            foot_f=0,
            arm_n_to=("mid", -8.2, 3.7),
            arm_f_to=("head", -10.2, 1.3),
        ),
        highlight=("torso", "head"),
        arrows=(Arrow("head", offset=(8, 8), bend=-0.3),),
        props=(dowel(),),
        anchor="toe_n",
    ),
    # A straight leg lifted about a hand's width (10 degrees), no more: a bigger lift arches
    # the low back.
    "prone-hip-extension": Exercise(
        start=_prone_head_on_hands,
        end=replace(_prone_head_on_hands, hip_n=-10),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(-6, 4), bend=0.3),),
        props=(mat(),),
    ),
    "thread-the-needle": Exercise(
        start=QUAD,
        end=replace(
            QUAD,
            trunk=82,
            spine=38,
            neck=18,
            arm_n_to=("floor", 24, 3.2),
            scale=(("upper_arm_n", 0.75), ("forearm_n", 0.75)),
        ),
        highlight=("arm_n", "torso", "head"),
        arrows=(Arrow("shoulder", offset=(0, 12), bend=-0.2),),
        props=(mat(),),
        ghost=False,
    ),
    "seated-hamstring-stretch": Exercise(
        start=_sit_edge,
        end=replace(_sit_edge, trunk=38, neck=-10),
        highlight=("torso", "head"),
        arrows=(Arrow("head", offset=(6, 6), bend=-0.3),),
        props=(seat(front=4.0, back=-20.0),),
    ),
    # --- Issue 20: the library's second half ----------------------------------------------------
    # Seated slider: the knee straightens as the head comes up, and bends as it goes down, so
    # the nerve slides without being pulled at both ends at once.
    "sciatic-nerve-slider": Exercise(
        start=_sit_bowed,
        end=replace(
            SIT, leg_n_to=None, foot_n=None, hip_n=90, knee_n=5, ankle_n=0, neck=-8, head=-14
        ),
        highlight=("leg_n", "head"),
        arrows=(Arrow("ankle_n", offset=(6, 4), bend=0.35),),
        props=(seat(),),
    ),
    # Standing slider: the heel comes up behind as the head looks up, and down as it bows.
    "femoral-nerve-slider": Exercise(
        start=replace(_chair_hold, neck=22, head=12),
        end=replace(_chair_hold, hip_n=-8, knee_n=95, ankle_n=-20, neck=-8, head=-14),
        highlight=("leg_n", "head"),
        arrows=(Arrow("ankle_n", offset=(-8, 2), bend=-0.35),),
        props=(support_chair(),),
    ),
    "prone-lying": Exercise(
        start=PRONE,
        end=_prone_head_on_hands,
        highlight=("arm_n", "arm_f", "head"),
        arrows=(Arrow("hand_n", offset=(-6, 18), bend=0.3),),
        props=(mat(),),
    ),
    "prone-on-elbows": Exercise(
        start=_prone_head_on_hands,
        end=_prone_on_elbows,
        highlight=("torso", "head", "arm_n", "arm_f"),
        arrows=(Arrow("head", offset=(-10, 6), bend=0.35),),
        props=(mat(),),
    ),
    # Lower legs on a chair seat, hips and knees at right angles: the back rests flat.
    "rest-calves-on-chair": Exercise(
        start=SUPINE_HOOK,
        end=replace(
            SUPINE, hip_n=90, knee_n=90, hip_f=88, knee_f=88, ankle_n=-10, ankle_f=-10, sh_n=10
        ),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("ankle_n", offset=(6, 6), bend=-0.3),),
        props=(mat(), calf_rest()),
    ),
    "side-lying-rest": Exercise(
        start=SIDE_LYING,
        end=replace(_SIDE_BENT, hips=(0, 5.0)),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("knee_n", offset=(10, 2), bend=-0.3),),
        props=(mat(SIDE_MAT),),
    ),
    "seated-forward-bend": Exercise(
        start=replace(SIT, leg_n_to=("floor", 24, 2.5), leg_f_to=("floor", 20, 2.5)),
        end=replace(
            SIT,
            trunk=58,
            spine=28,
            neck=18,
            leg_n_to=("floor", 24, 2.5),
            leg_f_to=("floor", 20, 2.5),
            arm_n_to=("floor", 16, 4.5),
            arm_f_to=("floor", 14, 4.5),
        ),
        highlight=("torso", "head", "arm_n", "arm_f"),
        arrows=(Arrow("shoulder", offset=(2, 10), bend=-0.3),),
        props=(seat(),),
    ),
    # One weight held in both hands; the arms hang straight down in both pictures.
    "hip-hinge-weight": Exercise(
        start=_hold_weight,
        end=replace(
            STAND_FIXED,
            hip_y=47.5,
            trunk=52,
            neck=-16,
            # The weight slides down the thighs: the hands stay close in front of the legs.
            arm_n_to=("knee_n", 7, 6),
            arm_f_to=("knee_n", 6, 6),
            leg_n_to=("floor", 8, 2.5),
            leg_f_to=("floor", 7, 2.5),
            foot_n=0,
            foot_f=0,
        ),
        highlight=("torso", "head"),
        arrows=(Arrow("head", offset=(8, 8), bend=-0.3),),
        front_props=(weight(),),
        anchor="toe_n",
    ),
    # The far arm hangs a little behind, so its weight shows: one in each hand.
    "farmer-carry": Exercise(
        start=replace(_hold_weight, sh_f=-14),
        end=replace(_stride, sh_n=4, el_n=0, sh_f=-14, el_f=0),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("toe_n", offset=(5, 5), kind="nudge", vector=(10, 0), bend=0.0),),
        front_props=(weight("hand_n"),),
        props=(weight("hand_f"),),
    ),
    "suitcase-carry": Exercise(
        start=replace(_hold_weight, sh_f=-6, el_f=15),
        end=replace(_stride, sh_n=2, el_n=0, sh_f=-20, el_f=15),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("toe_n", offset=(5, 5), kind="nudge", vector=(10, 0), bend=0.0),),
        front_props=(weight("hand_n"),),
    ),
    "stationary-cycling": Exercise(
        start=_cycling(-70.0),
        end=_cycling(110.0),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("knee_n", offset=(6, 6), bend=-0.3),),
        props=(bike(),),
    ),
    # Two moments of a walk, near foot behind and then in front: the stride, not standing.
    "walking-program": Exercise(
        start=replace(
            _stride,
            leg_n_to=("floor", -15, 6),
            foot_n=-22,
            leg_f_to=("floor", 15, 4.5),
            foot_f=18,
            sh_n=28,
            el_n=18,
            sh_f=-28,
            el_f=18,
        ),
        end=replace(_stride, sh_n=-28, el_n=18, sh_f=28, el_f=18),
        highlight=("leg_n", "arm_n"),
        arrows=(Arrow("toe_n", offset=(0, 6), bend=-0.2),),
    ),
    "marching-on-the-spot": Exercise(
        start=_chair_hold,
        end=replace(_chair_hold, hip_n=70, knee_n=75, ankle_n=-10, sh_f=-20),
        highlight=("leg_n",),
        arrows=(Arrow("knee_n", offset=(8, 6), bend=0.3),),
        props=(support_chair(),),
    ),
    "standing-hip-extension": Exercise(
        start=_chair_hold,
        end=replace(_chair_hold, hip_n=-22, knee_n=0, ankle_n=-10),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(-7, 8), bend=-0.3),),
        props=(support_chair(),),
    ),
    # The free leg held straight, its thigh in line with the other thigh, all through.
    "single-leg-bridge": Exercise(
        start=replace(SUPINE_HOOK, leg_n_to=None, foot_n=None, hip_n=38, knee_n=0, ankle_n=0),
        end=replace(
            SUPINE_HOOK,
            trunk=-110,
            hip_y=17.5,
            neck=20,
            leg_n_to=None,
            foot_n=None,
            hip_n=0,
            knee_n=0,
            ankle_n=0,
            arm_n_to=("floor", 3, 3.2),
            arm_f_to=("floor", 1, 3.2),
            leg_f_to=("floor", 20, 2.5),
        ),
        highlight=("torso",),
        arrows=(Arrow("hip", offset=(-6, 10), kind="nudge", vector=(0, 8), bend=0.0),),
        props=(mat(),),
    ),
    "seated-march": Exercise(
        start=SIT,
        end=replace(SIT, leg_n_to=None, foot_n=None, hip_n=112, knee_n=95, ankle_n=0),
        highlight=("leg_n",),
        arrows=(Arrow("knee_n", offset=(4, 6), kind="nudge", vector=(0, 8), bend=0.0),),
        props=(seat(),),
    ),
    "standing-hip-abduction": Exercise(
        start=FrontPose(standing=True, arm_l=(32, 0)),
        end=FrontPose(standing=True, arm_l=(32, 0), leg_r=24),
        highlight=("leg_r",),
        arrows=(Arrow("ankle_r", offset=(6, 4), bend=-0.3),),
        props=(rail("hand_l"),),
    ),
    # A rolled towel under the knee: only the lower leg moves, the back of the knee stays down.
    "short-arc-quad": Exercise(
        start=replace(SUPINE, hip_n=15, knee_n=45, ankle_n=-20),
        end=replace(SUPINE, hip_n=15, knee_n=0, ankle_n=0),
        highlight=("leg_n.shin", "leg_n.foot"),
        arrows=(Arrow("ankle_n", offset=(6, 5), bend=0.3),),
        props=(mat(), towel_roll("knee_n", 4.5)),
    ),
    "seated-knee-extension": Exercise(
        start=SIT,
        end=replace(SIT, leg_n_to=None, foot_n=None, hip_n=90, knee_n=0, ankle_n=0),
        highlight=("leg_n.shin", "leg_n.foot"),
        arrows=(Arrow("ankle_n", offset=(6, 4), bend=0.35),),
        props=(seat(),),
    ),
    "standing-hamstring-curl": Exercise(
        start=_chair_hold,
        end=replace(_chair_hold, hip_n=0, knee_n=90, ankle_n=-10),
        highlight=("leg_n.shin", "leg_n.foot"),
        arrows=(Arrow("ankle_n", offset=(-6, 0), bend=-0.35),),
        props=(support_chair(),),
    ),
    "split-squat": Exercise(
        start=_split,
        end=replace(_split, hip_y=33.0, leg_f_to=("floor", -22, 6.5)),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("hip", offset=(-12, 0), kind="nudge", vector=(0, -9), bend=0.0),),
    ),
    # The free (near) hand holds the ankle behind; knees stay side by side.
    "quad-stretch-standing": Exercise(
        start=_chair_hold_far,
        end=replace(
            _chair_hold_far,
            hip_n=-4,
            knee_n=140,
            ankle_n=-30,
            arm_n_to=("ankle_n", -1, 2),
        ),
        highlight=("leg_n", "arm_n"),
        arrows=(Arrow("ankle_n", offset=(-8, -2), bend=-0.35),),
        props=(support_chair("hand_f"),),
    ),
    "ankle-pumps": Exercise(
        start=replace(SUPINE, ankle_n=-55, ankle_f=-55),
        end=replace(SUPINE, ankle_n=12, ankle_f=12),
        highlight=("leg_n.foot", "leg_f.foot"),
        arrows=(Arrow("toe_n", offset=(6, 2), bend=0.35),),
        props=(mat(),),
    ),
    # Heels down, toes up: the weight stays back over the heels.
    "toe-raise": Exercise(
        start=replace(
            _chair_hold, leg_n_to=("floor", 0, 2.5), leg_f_to=("floor", 0, 2.5), foot_n=0, foot_f=0
        ),
        end=replace(
            _chair_hold,
            hip_y=50.5,
            leg_n_to=("floor", 0, 3.5),
            leg_f_to=("floor", 0, 3.5),
            foot_n=22,
            foot_f=22,
        ),
        highlight=("leg_n.foot", "leg_f.foot"),
        arrows=(Arrow("toe_n", offset=(4, 0), kind="nudge", vector=(0, 7), bend=0.0),),
        props=(support_chair(),),
    ),
    # The calf stretch with the back knee bent: the stretch moves low, into the lower calf.
    "calf-stretch-bent-knee": Exercise(
        start=replace(
            STAND_FIXED,
            arm_n_to=("floor", 33, 80),
            arm_f_to=("floor", 33, 80),
            leg_n_to=("floor", 0.5, 2.5),
            leg_f_to=("floor", -0.5, 2.5),
            foot_n=0,
            foot_f=0,
        ),
        end=replace(
            STAND_FIXED,
            hip_y=44.0,
            trunk=8,
            arm_n_to=("floor", 33, 80),
            arm_f_to=("floor", 33, 80),
            leg_n_to=("floor", -12, 2.5),
            leg_f_to=("floor", 12, 2.5),
            foot_n=0,
            foot_f=0,
        ),
        highlight=("leg_n",),
        arrows=(Arrow("knee_n", offset=(-8, 6), bend=0.3),),
        props=(wall("hand_n", 3.2),),
    ),
    "wall-slide": Exercise(
        start=_wall_facing,
        end=replace(_wall_facing, arm_n_to=("floor", 16, 110), arm_f_to=("floor", 15, 110)),
        highlight=("arm_n", "arm_f"),
        arrows=(Arrow("hand_n", offset=(-5, 0), bend=0.0),),
        props=(wall("hand_n", 3.2),),
    ),
    # Hands together, arms straight: from pointing at the ceiling back over the head.
    "supine-arm-raise": Exercise(
        start=replace(SUPINE_HOOK, sh_n=90, el_n=0, sh_f=88, el_f=0),
        end=replace(SUPINE_HOOK, sh_n=165, el_n=0, sh_f=163, el_f=0),
        highlight=("arm_n", "arm_f"),
        arrows=(Arrow("hand_n", offset=(2, 5), bend=0.35),),
        props=(mat(),),
    ),
    # Thumbs up, arms raised in front only to shoulder height.
    "front-arm-raise": Exercise(
        start=replace(STAND_FIXED, sh_n=2, el_n=5, sh_f=0, el_f=5),
        end=replace(STAND_FIXED, sh_n=88, el_n=5, sh_f=86, el_f=5),
        highlight=("arm_n", "arm_f"),
        arrows=(Arrow("hand_n", offset=(6, -5), bend=-0.35),),
        front_props=(weight("hand_n", 3.0),),
    ),
    "wall-push-up": Exercise(
        start=_lean(16),
        end=_lean(23),
        highlight=("arm_n", "arm_f", "torso"),
        arrows=(Arrow("shoulder", offset=(0, 10), bend=0.0),),
        props=(wall("hand_n", 3.2),),
        anchor="toe_n",
    ),
    # Feet side by side, then one foot straight in front of the other, heel against toes.
    "tandem-stance": Exercise(
        start=replace(
            _chair_hold,
            leg_n_to=("floor", 0.5, 2.5),
            leg_f_to=("floor", -0.5, 2.5),
            foot_n=0,
            foot_f=0,
        ),
        end=replace(
            _chair_hold,
            leg_n_to=("floor", 5.5, 2.5),
            leg_f_to=("floor", -5.5, 2.5),
            foot_n=0,
            foot_f=0,
        ),
        highlight=("leg_n",),
        arrows=(Arrow("toe_n", offset=(0, 5), kind="nudge", vector=(8, 0), bend=0.0),),
        props=(support_chair(),),
    ),
    # No support: the hands hover just over the chair back, ready, without holding it.
    "single-leg-balance-free": Exercise(
        start=replace(STAND_FIXED, sh_n=20, el_n=40, sh_f=16, el_f=40),
        end=replace(
            STAND_FIXED, sh_n=20, el_n=40, sh_f=16, el_f=40, hip_n=50, knee_n=80, ankle_n=-15
        ),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(-4, 2), bend=-0.3),),
    ),
    "seated-slow-breathing": Exercise(
        start=_seated_breath,
        end=replace(_seated_breath, belly=3.0),
        highlight=("torso.belly",),
        arrows=(Arrow("belly", offset=(11, -4), kind="nudge", vector=(7, 0), bend=0.0),),
        props=(seat(),),
    ),
    # Shoulders drawn up tight, then let go.
    "tense-and-relax": Exercise(
        start=replace(SUPINE_HOOK, girdle=(-4.5, 0.0), sh_n=4, neck=6),
        end=replace(SUPINE_HOOK, girdle=(1.0, 0.0), sh_n=6, el_n=0),
        highlight=("arm_n.upper", "arm_f.upper"),
        arrows=(Arrow("arm_root_n", offset=(-2, 9), kind="nudge", vector=(8, 0), bend=0.0),),
        props=(mat(),),
    ),
    "bird-dog-arm-reach": Exercise(
        start=QUAD,
        end=replace(QUAD, neck=24, arm_f_to=None, sh_f=178, el_f=0),
        highlight=("arm_f",),
        arrows=(Arrow("hand_f", offset=(4, 4), bend=0.35),),
        props=(mat(),),
    ),
    # Hands behind the head, elbows forward; the upper back arches over the chair's back rest.
    "seated-thoracic-extension": Exercise(
        start=replace(SIT, arm_n_to=("head", -4, 3), arm_f_to=("head", -5, 3), elbow_bend=1.0),
        end=replace(
            SIT,
            spine=-24,
            neck=-10,
            arm_n_to=("head", -4, 3),
            arm_f_to=("head", -5, 3),
            elbow_bend=1.0,
        ),
        highlight=("torso", "head"),
        arrows=(Arrow("head", offset=(-4, 10), bend=0.3),),
        props=(seat(),),
    ),
}
