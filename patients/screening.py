"""The red-flag screen at intake: questions that point to a serious cause needing
medical care first, by body area. A positive answer blocks starting a program until the
clinician records a decision (patients.services.patient_program_start asks
`program_start_blocked`).

Our own wording of the screening questions in common clinical guidance (NICE NG59 and
CG for low-back pain and sciatica, the IFOMPT framework for the cervical region): they
are asked by the clinician, not shown to patients.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScreenKind(models.TextChoices):
    LOW_BACK = "low_back", _("Low back")
    NECK = "neck", _("Neck")
    GENERAL = "general", _("Limbs and other areas")


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    # What a "yes" may point to, for the clinician.
    concern: str


CANCER = Question(
    "cancer",
    "A history of cancer, with pain that is worse at night or weight loss they cannot explain",
    "cancer spread to bone",
)
FEVER = Question(
    "fever",
    "Fever, chills or feeling generally unwell, a recent infection, a weak immune system "
    "or injecting drug use",
    "infection",
)

QUESTIONS: dict[str, tuple[Question, ...]] = {
    ScreenKind.LOW_BACK: (
        Question(
            "saddle",
            "New numbness or pins and needles around the back passage, genitals or inner thighs",
            "cauda equina syndrome",
        ),
        Question(
            "bladder_bowel",
            "New trouble passing urine, not feeling a full bladder, or loss of bladder or "
            "bowel control",
            "cauda equina syndrome",
        ),
        Question(
            "weakness",
            "Leg weakness or numbness that is getting worse, or a foot that drops or slaps",
            "a worsening nerve problem",
        ),
        Question(
            "trauma",
            "A fall or accident before the pain began, or a small strain with osteoporosis "
            "or long-term steroid use",
            "a fracture",
        ),
        CANCER,
        FEVER,
    ),
    ScreenKind.NECK: (
        Question(
            "myelopathy",
            "Clumsy hands (buttons, handwriting), an unsteady walk, or pins and needles in "
            "both hands or both feet",
            "pressure on the spinal cord",
        ),
        Question(
            "arm_weakness",
            "Arm weakness or numbness that is getting worse",
            "a worsening nerve problem",
        ),
        Question(
            "vascular",
            "Dizziness, double vision, trouble speaking or swallowing, drop attacks or "
            "fainting, or a new, unusual headache",
            "a problem with the arteries of the neck",
        ),
        Question(
            "trauma",
            "A fall, accident or whiplash before the pain began",
            "a fracture or an unstable neck",
        ),
        CANCER,
        FEVER,
    ),
    ScreenKind.GENERAL: (
        Question(
            "trauma",
            "A fall or injury after which the limb cannot take weight or looks misshapen",
            "a fracture",
        ),
        Question(
            "hot_joint",
            "A hot, red, swollen joint together with fever or feeling unwell",
            "a joint infection",
        ),
        Question(
            "clot",
            "A swollen, warm, tender calf, or new shortness of breath, especially after "
            "surgery or a long journey",
            "a blood clot",
        ),
        Question(
            "neurology",
            "Numbness or weakness that is spreading or getting worse",
            "a worsening nerve problem",
        ),
        CANCER,
        FEVER,
    ),
}

# The screen a body area gets; areas not named get the general one.
KIND_FOR_REGION = {
    "low_back": ScreenKind.LOW_BACK,
    "mid_back": ScreenKind.LOW_BACK,
    "core": ScreenKind.LOW_BACK,
    "neck": ScreenKind.NECK,
}


def kind_for(region: str) -> str:
    return KIND_FOR_REGION.get(region, ScreenKind.GENERAL)


def questions(kind: str) -> tuple[Question, ...]:
    return QUESTIONS[kind]


class ScreeningBlocks(Exception):
    """A positive red-flag screen without a decision to go ahead."""


def program_start_blocked(patient) -> str:
    """Why a program may not be started yet, or "" when it may."""
    from patients.models import RedFlagScreen

    screen = RedFlagScreen.objects.filter(patient=patient).order_by("-screened_at", "-id").first()
    if screen is None or not screen.positive:
        return ""
    if screen.decision == RedFlagScreen.Decision.CLEARED:
        return ""
    if screen.decision == RedFlagScreen.Decision.REFERRED:
        return (
            "The red-flag screen was positive and the patient was referred for medical "
            "review. Record that it is safe to go ahead before starting a program."
        )
    return (
        "The red-flag screen was positive. Record your decision on the chart before "
        "starting a program."
    )
