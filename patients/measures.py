"""The mobility measures clinicians record at a visit: units, bounds, norms, real change.

Pure data. Values may be negative where the test allows it (fingertips past the
floor, extension short of neutral). `real_change` is the smallest change that is more
than measurement error where one is published; otherwise None (no threshold drawn).

A reading is compared with another through `comparable_value` and `comparable`, never by
its raw value: a sit-and-reach box's scale starts wherever the box puts it (see `zeroed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.models import Region


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    low: float  # bounds for input: anything outside is almost surely a typing error
    high: float
    method: str
    sided: bool = False
    higher_is_better: bool = True
    normal: tuple[float, float] | None = None  # typical healthy range, drawn as a band
    normal_text: str = ""
    real_change: float | None = None
    # The value is read off a scale whose zero the protocol sets (a sit-and-reach box reads
    # 23 cm at the feet line, another 26 cm, another 0): readings taken with different zero
    # points compare only once each is taken from its own zero point.
    zeroed: bool = False
    # The body area it is of (programs.models.Region): the visit form groups by it.
    region: str = Region.LOW_BACK


MEASURES: tuple[Measure, ...] = (
    Measure(
        "lumbar_flexion", "Lumbar flexion", "°", 0, 120, "Inclinometer",
        normal=(50, 70), normal_text="about 60°",
    ),
    Measure(
        "lumbar_extension", "Lumbar extension", "°", -20, 60, "Inclinometer",
        normal=(20, 30), normal_text="about 25°",
    ),
    Measure(
        "lumbar_side_bend", "Lumbar side-bend", "°", 0, 60, "Inclinometer",
        sided=True, normal=(20, 30), normal_text="about 25°",
    ),
    Measure(
        "schober", "Modified Schober", "cm", -2, 15, "Tape over 15 cm",
        normal=(5, 15), normal_text="5 cm or more gained",
    ),
    Measure(
        "fingertip_floor", "Fingertip-to-floor", "cm", -30, 80, "Tape measure",
        higher_is_better=False, real_change=4.5, normal_text="0 cm touches the floor",
    ),
    Measure("sit_reach", "Sit-and-reach", "cm", -40, 60, "Sit-and-reach box", zeroed=True),
    Measure(
        "slr", "Straight leg raise", "°", 0, 120, "Inclinometer, to symptom onset",
        sided=True, real_change=5.7,
    ),
    Measure(
        "hip_flexion", "Hip flexion", "°", 0, 150, "Goniometer",
        sided=True, region=Region.HIP, normal=(110, 130), normal_text="about 120°",
    ),
    Measure(
        "hip_internal_rotation", "Hip internal rotation", "°", 0, 90, "Goniometer",
        sided=True, region=Region.HIP, normal=(35, 55), normal_text="about 45°",
    ),
    Measure(
        "hip_external_rotation", "Hip external rotation", "°", 0, 90, "Goniometer",
        sided=True, region=Region.HIP, normal=(35, 55), normal_text="about 45°",
    ),
    # Knee: 0 degrees is straight; a knee short of straight reads negative, one that
    # bends back past straight positive.
    Measure(
        "knee_flexion", "Knee flexion", "°", 0, 160, "Goniometer",
        sided=True, region=Region.KNEE, normal=(130, 150), normal_text="about 135°",
    ),
    Measure(
        "knee_extension", "Knee extension", "°", -60, 20, "Goniometer (0° is straight)",
        sided=True, region=Region.KNEE, normal=(0, 10), normal_text="0° (straight)",
    ),
    Measure(
        "shoulder_flexion", "Shoulder flexion", "°", 0, 190, "Goniometer",
        sided=True, region=Region.SHOULDER, normal=(160, 180), normal_text="about 180°",
    ),
    Measure(
        "shoulder_abduction", "Shoulder abduction", "°", 0, 190, "Goniometer",
        sided=True, region=Region.SHOULDER, normal=(160, 180), normal_text="about 180°",
    ),
    Measure(
        "shoulder_external_rotation", "Shoulder external rotation", "°", 0, 120,
        "Goniometer, arm at 90° abduction",
        sided=True, region=Region.SHOULDER, normal=(80, 100), normal_text="about 90°",
    ),
    Measure(
        "cervical_rotation", "Cervical rotation", "°", 0, 100, "CROM or goniometer",
        sided=True, region=Region.NECK, normal=(70, 90), normal_text="about 80°",
    ),
)  # fmt: skip

BY_CODE = {measure.code: measure for measure in MEASURES}
SIDES = ("left", "right")
# A side as stored, in words.
SIDE_LABELS = {"left": gettext_lazy("left"), "right": gettext_lazy("right")}


def slots() -> list[tuple[Measure, str]]:
    """Every value one visit can record: (measure, side), side "" when not sided."""
    return [(measure, side) for measure in MEASURES for side in (SIDES if measure.sided else ("",))]


def slot_key(measure: Measure, side: str) -> str:
    return f"{measure.code}_{side}" if side else measure.code


def slot_label(measure: Measure, side: str) -> str:
    if not side:
        return measure.label
    return _("{measure}, {side}").format(measure=measure.label, side=SIDE_LABELS.get(side, side))


class Reading(Protocol):
    """What comparing needs of a recorded value (patients.models.Measurement)."""

    code: str
    value: Decimal
    zero_point: Decimal | None


def _zeroed(reading: Reading) -> bool:
    measure = BY_CODE.get(reading.code)
    return measure is not None and measure.zeroed


def comparable_value(reading: Reading) -> Decimal:
    """The value to compare over time. For a measure read off a box with a known zero
    point, the reach from the feet line (value minus zero point: 30 cm on a box that
    reads 23 at the feet is +7); otherwise the value as recorded."""
    if _zeroed(reading) and reading.zero_point is not None:
        return reading.value - reading.zero_point
    return reading.value


def comparable(a: Reading, b: Reading) -> bool:
    """Whether two readings of one measure say anything about change: both taken from a
    known zero point, or both recorded without one (then, we must assume, on the same
    box). One with a zero point and one without cannot be lined up."""
    return not _zeroed(a) or (a.zero_point is None) == (b.zero_point is None)


def on_scale_of(reading: Reading, reference: Reading) -> Decimal | None:
    """`reading` as it would have read with `reference`'s zero point (28 cm on a 26 cm
    box reads 25 cm on a 23 cm one), to hold against a number set in the reference's
    terms, such as a goal's target; None when the two cannot be compared."""
    if not comparable(reading, reference):
        return None
    return comparable_value(reading) - comparable_value(reference) + reference.value


# Said wherever two readings meet that `comparable` keeps apart.
NOT_COMPARED = gettext_lazy("Not compared: measured with a different zero point.")


def gain(measure: Measure, change: Decimal) -> Decimal:
    """A change signed so that positive is better, whichever way the measure runs
    (fingertip-to-floor falls as the patient improves)."""
    return change if measure.higher_is_better else -change


def real_change_met(measure: Measure, baseline: float, latest: float) -> bool | None:
    """True when the change, better or worse, reaches the smallest real change (the
    module's docstring; a questionnaire's MDC is read the same way): a real worsening (a
    straight leg raise losing 15°) matters as much as a real gain. None when no threshold
    is published. Values are recorded to 0.1, so the difference is compared at 0.1 too."""
    if measure.real_change is None:
        return None
    return round(abs(latest - baseline), 1) >= measure.real_change
