"""Condition pathways: built-in templates for the common conditions, each with why it is
built that way and where that comes from (shown to the clinician, not the patient), the
leaflets that go with it, and which patients it is suggested for.

A pathway is installed as a shared template (its key is the template key) by
programs.library_sync, so starting one is starting a template. The patient text (goal,
notes) is our own plain words; the rationale and references are for clinicians.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pathway:
    key: str
    title: str
    goal: str
    patient_notes: str
    items: tuple[str, ...]
    leaflets: tuple[str, ...]
    rationale: str
    references: tuple[str, ...]
    # Suggested for an intake with this body area and one of these stages ("" = any)...
    region: str
    stages: tuple[str, ...] = ()
    # ...or, for the low back, for this STarT Back risk group.
    sbst_groups: tuple[str, ...] = ()


NG59 = "NICE NG59, Low back pain and sciatica in over 16s (2016, updated 2020)."
APTA_LBP = (
    "George SZ et al. Interventions for the management of acute and chronic low back "
    "pain: revision 2021. JOSPT 2021;51(11):CPG1-CPG60."
)
HILL_2011 = (
    "Hill JC et al. Comparison of stratified primary care management for low back pain "
    "with current best practice (STarT Back). Lancet 2011;378:1560-1571."
)

PATHWAYS: tuple[Pathway, ...] = (
    Pathway(
        key="pathway-acute-low-back",
        title="Acute low back pain \N{EM DASH} keep moving",
        goal="Stay active and ease your back with walking, slow breathing and gentle movement.",
        patient_notes=(
            "Keep up your normal day as much as you can. Short walks several times a day "
            "help most. Some ache is fine if it settles by the next morning."
        ),
        items=("walking", "diaphragmatic-breathing", "pelvic-tilt", "knee-to-chest-single"),
        leaflets=("hurt-not-harm", "flare-up-plan", "relaxation-breathing"),
        rationale=(
            "Acute non-specific low back pain usually improves within weeks. Advice to stay "
            "active, reassurance and self-management come first; gentle movement and "
            "walking keep the patient active, and slow breathing eases guarding. No bed rest."
        ),
        references=(NG59, APTA_LBP),
        region="low_back",
        stages=("acute",),
        sbst_groups=("low",),
    ),
    Pathway(
        key="pathway-chronic-low-back",
        title="Chronic low back pain \N{EM DASH} graded strength",
        goal="Build strength and fitness step by step so everyday tasks feel easier.",
        patient_notes=(
            "Start where it feels manageable and add a little each week. Some ache during "
            "and after exercise is normal and safe if it settles by the next morning."
        ),
        items=("walking", "bird-dog", "glute-bridge", "dead-bug", "sit-to-stand", "hip-hinge"),
        leaflets=("hurt-not-harm", "pacing", "flare-up-plan"),
        rationale=(
            "For chronic low back pain, exercise therapy of any type, progressed gradually, "
            "with pain education and aerobic activity, has the strongest support. Graded "
            "progression and pacing address fear of movement; no one exercise type is best."
        ),
        references=(NG59, APTA_LBP, HILL_2011),
        region="low_back",
        stages=("subacute", "chronic"),
        sbst_groups=("medium", "high"),
    ),
    Pathway(
        key="pathway-sciatica",
        title="Sciatica \N{EM DASH} centralise and glide",
        goal="Draw the leg pain back towards your back and keep the nerve moving freely.",
        patient_notes=(
            "Good signs are leg pain that moves up towards your back or gets less. If the "
            "pain spreads further down your leg, stop that exercise and tell us."
        ),
        items=("prone-press-up", "standing-back-extension", "sciatic-nerve-slider", "walking"),
        leaflets=("hurt-not-harm", "flare-up-plan"),
        rationale=(
            "Where repeated extension centralises leg pain (a directional preference), "
            "extension exercises in that direction are used; centralisation predicts a good "
            "outcome. Nerve gliding and staying active complement them. Watch for "
            "progressive neurological deficit."
        ),
        references=(
            NG59,
            APTA_LBP,
            "Long A, Donelson R, Fung T. Does it matter which exercise? Spine "
            "2004;29(23):2593-2602 (directional preference).",
        ),
        region="low_back",
    ),
    Pathway(
        key="pathway-lumbar-stenosis",
        title="Lumbar stenosis \N{EM DASH} flexion and walking",
        goal="Walk further and more comfortably with exercises that open up your lower back.",
        patient_notes=(
            "Bending forward usually eases leg symptoms. Walk in short bouts with rests, "
            "and add a minute or two each week."
        ),
        items=(
            "knee-to-chest-single",
            "knee-to-chest-double",
            "seated-forward-bend",
            "stationary-cycling",
            "walking-program",
        ),
        leaflets=("pacing", "hurt-not-harm"),
        rationale=(
            "Symptoms of lumbar spinal stenosis ease in flexion and worsen in extension. "
            "Flexion-based exercise and graded walking (or cycling, which keeps the spine "
            "flexed) improve walking tolerance."
        ),
        references=(
            APTA_LBP,
            "Ammendolia C et al. Non-operative treatment for lumbar spinal stenosis with "
            "neurogenic claudication. Cochrane Database Syst Rev 2013;(8):CD010712.",
        ),
        region="low_back",
    ),
    Pathway(
        key="pathway-neck-pain",
        title="Neck pain \N{EM DASH} mobility and posture strength",
        goal="Move your neck more freely and build strength around your neck and shoulders.",
        patient_notes=(
            "Move gently within comfort. Stop and call us if you feel dizzy, or get tingling "
            "or weakness in your arms."
        ),
        items=("chin-tuck", "neck-rotation", "scapular-squeeze", "upper-trap-stretch"),
        leaflets=("relaxation-breathing", "pacing"),
        rationale=(
            "For mechanical neck pain, exercise combining range of motion, deep neck flexor "
            "and scapular strengthening, with advice to stay active, is recommended."
        ),
        references=("Blanpied PR et al. Neck pain: revision 2017. JOSPT 2017;47(7):A1-A83.",),
        region="neck",
    ),
    Pathway(
        key="pathway-knee-oa",
        title="Knee osteoarthritis \N{EM DASH} strength and activity",
        goal="Strengthen the muscles that support your knee and stay active every day.",
        patient_notes=(
            "Exercise is safe for knees with arthritis and helps the pain. Some ache is fine "
            "if it has settled by the next morning."
        ),
        items=("quad-set", "straight-leg-raise", "sit-to-stand", "step-up", "walking"),
        leaflets=("pacing", "flare-up-plan"),
        rationale=(
            "Exercise (strengthening and aerobic) and education are core treatments for knee "
            "osteoarthritis, whatever the age or X-ray severity."
        ),
        references=(
            "NICE NG226, Osteoarthritis in over 16s: diagnosis and management (2022).",
            "Bannuru RR et al. OARSI guidelines. Osteoarthritis Cartilage 2019;27:1578-1589.",
        ),
        region="knee",
    ),
    Pathway(
        key="pathway-after-knee-replacement",
        title="After knee replacement \N{EM DASH} the first weeks",
        goal="Get your new knee bending and straightening, and your thigh muscles working.",
        patient_notes=(
            "Follow your surgeon's advice first. Ice and rest your leg up after exercise if "
            "the knee swells. Call us if the calf is swollen and sore, or the wound is red "
            "or hot."
        ),
        items=("ankle-pumps", "quad-set", "heel-slide", "straight-leg-raise", "sit-to-stand"),
        leaflets=("pacing",),
        rationale=(
            "Early after total knee replacement, range of motion (especially full "
            "extension), quadriceps activation and functional practice such as sit-to-stand "
            "drive recovery; progress to strengthening as the wound and swelling allow."
        ),
        references=(
            "Jette DU et al. Physical therapist management of total knee arthroplasty. "
            "Phys Ther 2020;100(9):1603-1631.",
        ),
        region="knee",
    ),
)

BY_KEY: dict[str, Pathway] = {pathway.key: pathway for pathway in PATHWAYS}


def suggested(region: str, stage: str, sbst_group: str = "") -> list[Pathway]:
    """Pathways for the patient's body area, the best-matching first: the STarT Back
    group (low back), then the stage, then the rest of that area."""

    def rank(pathway: Pathway) -> int:
        if sbst_group and sbst_group in pathway.sbst_groups:
            return 0
        if stage and stage in pathway.stages:
            return 1
        return 2

    return sorted((p for p in PATHWAYS if p.region == region), key=rank)
