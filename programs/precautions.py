"""Precautions and the movements they rule out: the builder's and the chart's warnings.

An exercise lists the movements it involves that some patients must avoid
(`Exercise.contraindications`, e.g. bending the hip past 90 degrees); a patient's
record lists their precautions (a posterior-approach hip replacement, osteoporosis…).
A prescribed exercise whose movements a precaution rules out is a conflict: the
clinician sees it and records a decision (patients.precaution_decisions). Nothing here
knows patients: the caller passes the precaution codes.

The rules are common clinical teaching in our own words; the surgeon's or the
clinician's own instructions always come first, which is why a conflict warns and asks
for a decision instead of refusing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Movement(models.TextChoices):
    DEEP_HIP_FLEXION = "deep_hip_flexion", _("Bending the hip past 90°")
    HIP_ADDUCTION = "hip_adduction", _("Bringing the knee across the body's midline")
    HIP_INTERNAL_ROTATION = "hip_internal_rotation", _("Turning the hip inwards")
    HIP_EXTENSION = "hip_extension", _("Taking the leg back behind the body")
    HIP_EXTERNAL_ROTATION = "hip_external_rotation", _("Turning the hip outwards")
    SPINAL_FLEXION = "spinal_flexion", _("Rounding the spine forwards")
    SPINAL_TWIST = "spinal_twist", _("Twisting the trunk")
    PRONE_LYING = "prone_lying", _("Lying face down")
    SUPINE_LYING = "supine_lying", _("Lying flat on the back")
    BREATH_HOLDING = "breath_holding", _("Long holds that invite breath-holding or straining")
    HIGH_IMPACT = "high_impact", _("Jumping, hopping or running")
    KNEELING = "kneeling", _("Kneeling")


class Precaution(models.TextChoices):
    OSTEOPOROSIS = "osteoporosis", _("Osteoporosis")
    HIP_POSTERIOR = "hip_posterior", _("Hip replacement, posterior approach")
    HIP_ANTERIOR = "hip_anterior", _("Hip replacement, anterior approach")
    KNEE_REPLACEMENT = "knee_replacement", _("Knee replacement")
    PREGNANCY = "pregnancy", _("Pregnancy")
    RECENT_SURGERY = "recent_surgery", _("Recent surgery")
    HYPERTENSION = "hypertension", _("High blood pressure")


@dataclass(frozen=True)
class Rule:
    rules_out: frozenset[str]
    # Shown to the clinician beside each conflict: what to avoid, and for how long.
    advice: str


RULES: dict[str, Rule] = {
    Precaution.OSTEOPOROSIS: Rule(
        frozenset({Movement.SPINAL_FLEXION, Movement.SPINAL_TWIST, Movement.HIGH_IMPACT}),
        "With osteoporosis, avoid repeated or loaded rounding of the spine and twisting to "
        "the end of range: they load the front of the vertebrae, where fractures happen.",
    ),
    Precaution.HIP_POSTERIOR: Rule(
        frozenset(
            {Movement.DEEP_HIP_FLEXION, Movement.HIP_ADDUCTION, Movement.HIP_INTERNAL_ROTATION}
        ),
        "After a posterior-approach hip replacement, avoid bending the hip past 90°, "
        "crossing the legs and turning the hip inwards, usually for 6 to 12 weeks, or as "
        "the surgeon says: together they can dislocate the new joint.",
    ),
    Precaution.HIP_ANTERIOR: Rule(
        frozenset({Movement.HIP_EXTENSION, Movement.HIP_EXTERNAL_ROTATION}),
        "After an anterior-approach hip replacement, avoid taking the leg back past "
        "straight and turning it outwards in the first weeks, or as the surgeon says.",
    ),
    Precaution.KNEE_REPLACEMENT: Rule(
        frozenset({Movement.KNEELING, Movement.HIGH_IMPACT}),
        "After a knee replacement, kneeling is often uncomfortable for months and impact "
        "loads the new joint: check with the surgeon before either.",
    ),
    Precaution.PREGNANCY: Rule(
        frozenset({Movement.PRONE_LYING, Movement.SUPINE_LYING, Movement.BREATH_HOLDING}),
        "In pregnancy, lying face down soon becomes impossible, and after about 16 weeks "
        "lying flat on the back for long can press on the large veins; avoid "
        "breath-holding and straining.",
    ),
    Precaution.HYPERTENSION: Rule(
        frozenset({Movement.BREATH_HOLDING}),
        "With high blood pressure, avoid long holds with breath-holding or straining: "
        "they raise blood pressure sharply. Breathe out through each effort.",
    ),
}

# Precautions that rule out no movement of their own, but call for a check of the whole
# program against someone else's instructions.
GENERAL_NOTICES = {
    Precaution.RECENT_SURGERY: "Recent surgery: check every exercise against the "
    "surgeon's instructions before the patient starts.",
}


@dataclass(frozen=True)
class Conflict:
    exercise_id: int
    exercise_uuid: str
    exercise_name: str
    precaution: str
    movements: tuple[str, ...]

    @property
    def precaution_label(self) -> str:
        return Precaution(self.precaution).label

    @property
    def movement_labels(self) -> list[str]:
        return [Movement(code).label for code in self.movements]

    @property
    def advice(self) -> str:
        return RULES[self.precaution].advice

    @property
    def key(self) -> tuple[int, str]:
        return (self.exercise_id, self.precaution)


def conflicts(precautions: Iterable[str], exercises: Iterable) -> list[Conflict]:
    """Each (exercise, precaution) pair where the exercise involves a movement the
    precaution rules out, in the order given. Unknown codes are ignored."""
    found = []
    codes = [code for code in precautions if code in RULES]
    seen = set()
    for exercise in exercises:
        involved = set(exercise.contraindications or [])
        for code in codes:
            hit = involved & RULES[code].rules_out
            if hit and (exercise.pk, code) not in seen:
                seen.add((exercise.pk, code))
                found.append(
                    Conflict(
                        exercise.pk, str(exercise.uuid), exercise.name, code, tuple(sorted(hit))
                    )
                )
    return found


def notices(precautions: Iterable[str]) -> list[str]:
    return [GENERAL_NOTICES[code] for code in precautions if code in GENERAL_NOTICES]
