"""Pose data: a handful of base positions and, per exercise slug, small overrides of them.

Adding an exercise picture = adding one `Exercise(...)` entry here.  Angles follow the
conventions in `skeleton.Pose` (degrees, flexion positive, figure facing +x).
"""

from __future__ import annotations

from dataclasses import replace

from .props import (
    MAT_H,
    backdrop,
    band,
    door_post,
    front_seat,
    mat,
    seat,
    step,
    strap,
    support_chair,
    table,
    top_mat,
    towel_roll,
    wall,
)
from .scene import Arrow, Exercise
from .skeleton import FrontPose, Pose

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
SIDE_LYING = Pose(
    trunk=-90,
    hip_y=8.5,
    ground=MAT_H,
    hips=(0, 3.5),
    face="front",
    sh_f=175,
    el_f=0,
    sh_n=10,
    el_n=10,
    foot_n=88,
    foot_f=88,
    neck=-5,
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

_side_prop_start = replace(
    SIDE_LYING,
    trunk=-68,
    hips=(0, 0),
    hip_y=7.5,
    hip_n=22,
    hip_f=22,
    knee_n=0,
    knee_f=0,
    scale=(("shin_n", 0.45), ("shin_f", 0.45), ("forearm_n", 0.5)),
    sh_n=-68,
    el_n=90,
    sh_f=-10,
    el_f=40,
    foot_n=30,
    foot_f=30,
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

_figure_four = replace(
    SUPINE_HOOK,
    leg_n_to=("knee_f", -1.0, 5.0),
    scale=(("thigh_n", 0.75),),
    foot_n=None,
    ankle_n=0,
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

_row_start = replace(STAND, sh_n=82, el_n=0, sh_f=78, el_f=0)

_sit_edge = replace(
    SIT,
    leg_n_to=("floor", 42, 5),
    foot_n=70,
    arm_n_to=("knee_n", -8, 5),
    arm_f_to=("knee_f", -10, 5),
)

_breath = replace(SUPINE_HOOK, arm_n_to=("belly", 1, 8.5), sh_f=3)

EXERCISES: dict[str, Exercise] = {
    "cat-cow": Exercise(
        start=_cat,
        end=_cow,
        highlight=("torso", "head"),
        arrows=(Arrow("mid", offset=(0, 16), kind="nudge", vector=(0, -8), bend=0.0),),
        props=(mat(),),
        ghost=False,
    ),
    "knee-to-chest-single": Exercise(
        start=SUPINE_HOOK,
        end=replace(
            SUPINE_HOOK,
            leg_n_to=None,
            hip_n=125,
            knee_n=120,
            foot_n=None,
            arm_n_to=("knee_n", 3, -3),
            arm_f_to=("knee_n", 1, -3),
        ),
        highlight=("leg_n",),
        arrows=(Arrow("knee_n", offset=(6, 6), bend=-0.45),),
        props=(mat(),),
    ),
    "knee-to-chest-double": Exercise(
        start=SUPINE_HOOK,
        end=replace(
            SUPINE_HOOK,
            leg_n_to=None,
            leg_f_to=None,
            hip_n=125,
            knee_n=120,
            hip_f=112,
            knee_f=132,
            foot_n=None,
            foot_f=None,
            arm_n_to=("knee_n", 3, -3),
            arm_f_to=("knee_n", 1, -3),
        ),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("knee_n", offset=(6, 6), bend=-0.45),),
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
        end=replace(
            QUAD,
            hip_y=15,
            trunk=86,
            spine=12,
            neck=22,
            leg_n_to=("floor", -4, 4),
            leg_f_to=("floor", -2, 4),
            arm_n_to=("floor", 62, 3.2),
            arm_f_to=("floor", 60, 3.2),
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
            Arrow("ankle_n", offset=(-4, 4), bend=-0.35),
        ),
        props=(mat(),),
    ),
    "glute-bridge": Exercise(
        start=SUPINE_HOOK,
        end=replace(
            SUPINE_HOOK,
            trunk=-122,
            hip_y=24,
            neck=32,
            sh_n=-32,
            sh_f=-32,
            leg_n_to=("floor", 24, 2.5),
            leg_f_to=("floor", 22, 2.5),
        ),
        highlight=("torso",),
        arrows=(Arrow("hip", offset=(-3, -17), kind="nudge", vector=(0, 10), bend=0.0),),
        props=(mat(),),
    ),
    "dead-bug": Exercise(
        start=_tabletop,
        end=replace(_tabletop, sh_f=172, hip_n=30, knee_n=0, ankle_n=-30),
        highlight=("arm_f", "leg_n"),
        arrows=(
            Arrow("hand_f", offset=(2, 4), bend=0.4),
            Arrow("ankle_n", offset=(4, 4), bend=-0.4),
        ),
        props=(mat(),),
    ),
    "side-plank": Exercise(
        start=_side_prop_start,
        # Hips a touch above the shoulder-knee line: the true lift is small and must show.
        end=replace(_side_prop_start, trunk=-77.3, hip_y=12.5, hip_n=-6.8, hip_f=-6.8, sh_n=-77.3),
        highlight=("torso", "leg_n", "leg_f"),
        arrows=(Arrow("hip", offset=(0, 11), bend=0.0, kind="nudge", vector=(0, 9)),),
        props=(mat(),),
        anchor="elbow_n",
    ),
    "plank": Exercise(
        start=_plank_knees,
        end=replace(
            _plank_knees,
            trunk=81.9,
            hip_y=14.6,
            knee_n=0,
            knee_f=0,
            foot_n=-40,
            foot_f=-40,
            sh_n=81.9,
            sh_f=81.9,
            neck=8,
        ),
        highlight=("leg_n", "leg_f", "torso"),
        arrows=(Arrow("knee_n", offset=(0, -2), kind="nudge", vector=(0, 12), bend=0.0),),
        props=(mat(),),
        anchor="elbow_n",
    ),
    "clamshell": Exercise(
        start=replace(
            SIDE_LYING,
            leg_f_to=("floor", 31, 3.5),
            leg_n_to=("ankle_f", 0, 6.5),
            scale=(("thigh_n", 0.65), ("shin_n", 0.65), ("thigh_f", 0.65), ("shin_f", 0.65)),
            foot_n=10,
            foot_f=10,
        ),
        end=replace(
            SIDE_LYING,
            leg_f_to=("floor", 31, 3.5),
            leg_n_to=("ankle_f", 0, 6.5),
            scale=(("thigh_f", 0.65), ("shin_f", 0.65)),
            foot_n=10,
            foot_f=10,
        ),
        highlight=("leg_n.thigh", "leg_n.shin"),
        arrows=(Arrow("knee_n", offset=(4, 4), bend=-0.3),),
        props=(mat(),),
    ),
    "curl-up": Exercise(
        start=replace(SUPINE, leg_f_to=("floor", 31, 2.5), foot_f=0, sh_n=0, sh_f=0),
        end=replace(
            SUPINE, leg_f_to=("floor", 31, 2.5), foot_f=0, sh_n=0, sh_f=0, spine=22, neck=8
        ),
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
        arrows=(Arrow("head", offset=(-6, 6), bend=0.35),),
        props=(mat(),),
    ),
    "hamstring-stretch-supine": Exercise(
        start=replace(
            SUPINE_HOOK, leg_n_to=None, foot_n=None, ankle_n=0, sh_n=55, el_n=10, sh_f=50, el_f=10
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
    "hip-flexor-stretch-kneeling": Exercise(
        start=_kneel_up,
        end=replace(
            _kneel_up, hip_y=27, trunk=-4, leg_n_to=("floor", 17, 2.5), leg_f_to=("floor", -31, 4)
        ),
        highlight=("torso.pelvis", "leg_f.thigh"),
        arrows=(Arrow("hip", offset=(0, -12), bend=0.0),),
        props=(mat(),),
        anchor="ankle_n",
    ),
    "piriformis-stretch": Exercise(
        start=_figure_four,
        end=replace(
            _figure_four,
            leg_f_to=None,
            hip_f=112,
            knee_f=95,
            foot_f=None,
            arm_n_to=("knee_f", -7, -4),
            arm_f_to=("knee_f", -9, -4),
        ),
        highlight=("leg_n", "leg_f"),
        arrows=(Arrow("knee_f", offset=(4, 6), bend=-0.4),),
        props=(mat(),),
        ghost=False,
    ),
    "wall-squat": Exercise(
        start=_wall_sit,
        end=replace(_wall_sit, hip_y=35.5),
        highlight=("torso", "leg_n.thigh", "leg_f.thigh"),
        arrows=(Arrow("mid", offset=(14, 0), bend=0.0),),
        props=(wall("hip", -8.0),),
    ),
    "heel-raise": Exercise(
        start=_chair_hold,
        end=replace(_chair_hold, hip_y=55, ankle_n=-42, ankle_f=-42),
        highlight=("leg_n.foot", "leg_f.foot", "leg_n.shin", "leg_f.shin"),
        arrows=(Arrow("heel_n", offset=(-7, 0), kind="nudge", vector=(0, 9), bend=0.0),),
        props=(support_chair(),),
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
    "upper-trap-stretch": Exercise(
        start=FRONT_SIT,
        end=FrontPose(tilt=34, arm_r=(150, 118), arm_l=(14, 0)),
        highlight=("head", "arm_r"),
        arrows=(Arrow("shoulder", kind="arc", radius=24, a0=100, a1=55),),
        props=(front_seat(),),
    ),
    "levator-scapulae-stretch": Exercise(
        start=FRONT_SIT,
        end=FrontPose(tilt=24, turn=38, nod=38, arm_r=(150, 125), arm_l=(14, 0)),
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
        arrows=(Arrow("elbow_n", offset=(0, 8), bend=0.0),),
        front_props=(band("hand_n", (34.0, 0.0)),),
    ),
    "sit-to-stand": Exercise(
        start=replace(SIT, trunk=12, leg_n_to=("floor", 20, 2.5), leg_f_to=("floor", 18, 2.5)),
        end=replace(STAND, sh_n=22, el_n=55, sh_f=18, el_f=55),
        highlight=("torso", "leg_n.thigh", "leg_f.thigh"),
        arrows=(Arrow("shoulder", offset=(6, 6), bend=-0.3),),
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
        arrows=(Arrow("knee_n", offset=(0, 8), kind="nudge", vector=(0, -7), bend=0.0),),
        props=(mat(), towel_roll("knee_n", 3.5)),
    ),
    "heel-slide": Exercise(
        start=SUPINE,
        end=replace(SUPINE, leg_n_to=("floor", 28, 3.0), foot_n=0),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(0, 9), bend=0.0),),
        props=(mat(),),
    ),
    "side-lying-hip-abduction": Exercise(
        start=replace(SIDE_LYING, hip_f=0, knee_f=0),
        end=replace(SIDE_LYING, hip_n=30),
        highlight=("leg_n",),
        arrows=(Arrow("ankle_n", offset=(6, 2), bend=0.3),),
        props=(mat(),),
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
        arrows=(Arrow("ankle_n", offset=(0, 8), bend=0.3),),
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
        arrows=(Arrow("ankle_n", offset=(0, 9), bend=0.3),),
    ),
    "seated-thoracic-rotation": Exercise(
        start=FrontPose(crossed=True),
        end=FrontPose(crossed=True, twist=50),
        highlight=("torso", "arm_l", "arm_r", "head"),
        arrows=(Arrow("shoulder", kind="arc", radius=19, a0=150, a1=40, offset=(0, -6)),),
        props=(front_seat(),),
        ghost=False,
    ),
    "standing-back-extension": Exercise(
        start=replace(STAND, arm_n_to=("mid", -9, -4), arm_f_to=("mid", -9, -4)),
        end=replace(
            STAND, trunk=-12, spine=-14, neck=-8, arm_n_to=("mid", -9, -4), arm_f_to=("mid", -9, -4)
        ),
        highlight=("torso", "head"),
        arrows=(Arrow("head", offset=(0, 11), bend=0.3),),
    ),
    "step-up": Exercise(
        start=STAND,
        end=replace(STAND, ground=13.0, x=30.0),
        highlight=("leg_n",),
        arrows=(Arrow("hip", offset=(0, -4), bend=0.3),),
        props=(step(14.0, 46.0, 13.0),),
    ),
    "mini-squat": Exercise(
        start=replace(STAND_FIXED, arm_n_to=("floor", 24, 57), arm_f_to=("floor", 24, 57)),
        end=replace(
            STAND_FIXED,
            hip_y=43.5,
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
    "hip-hinge": Exercise(
        start=replace(STAND, arm_n_to=("hip", 6, -6), arm_f_to=("hip", 4, -6)),
        end=replace(
            STAND_FIXED,
            hip_y=47.5,
            trunk=58,
            neck=-6,
            leg_n_to=("floor", 7, 2.5),
            leg_f_to=("floor", 6, 2.5),
            foot_n=0,
            foot_f=0,
            arm_n_to=("knee_n", 0, 4),
            arm_f_to=("knee_f", 0, 4),
        ),
        highlight=("torso", "head"),
        arrows=(Arrow("head", offset=(8, 8), bend=-0.3),),
        anchor="toe_n",
    ),
    "prone-hip-extension": Exercise(
        start=PRONE,
        end=replace(PRONE, hip_n=-22),
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
}
