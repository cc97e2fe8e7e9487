"""Education leaflets a clinician attaches to a program (`Program.leaflets`): shown on the
patient's My program page and printed in the handout after the exercises.

Our own words, short sentences for a reading age of about 12. The references are for the
clinician (shown in the builder), not the patient.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Leaflet:
    slug: str
    title: str
    # One line: what the leaflet is about, in the builder's list.
    summary: str
    paragraphs: tuple[str, ...]
    reference: str


LEAFLETS: tuple[Leaflet, ...] = (
    Leaflet(
        slug="hurt-not-harm",
        title="Hurt does not mean harm: keep moving",
        summary="Back pain is common and rarely serious; staying active helps it settle.",
        paragraphs=(
            "Most back pain is not caused by damage. Your back is strong, and it is "
            "built to bend, twist and lift.",
            "Pain is your body's alarm. When you have pain for a while, the alarm can get "
            "too sensitive and go off when there is no harm.",
            "Moving gently each day helps the alarm calm down. Resting in bed for days "
            "makes most back pain last longer.",
            "Some pain while you exercise is fine. Follow the pain guide on your program, "
            "and check how you feel the next morning.",
            "Keep doing your normal day as much as you can, including work, even if you do "
            "less at first.",
        ),
        reference="NICE NG59 (2016, updated 2020): self-management advice to stay active; "
        "Louw A et al. Physiother Theory Pract 2016;32(5):385-395 (pain neuroscience "
        "education).",
    ),
    Leaflet(
        slug="flare-up-plan",
        title="Your flare-up plan",
        summary="What to do on a bad day, so a flare-up does not stop progress.",
        paragraphs=(
            "Flare-ups are normal. Pain can go up for a day or two and then settle. It does "
            "not mean you have hurt yourself.",
            "On a bad day, keep moving but do less: halve your sets or do the easiest "
            "exercises only.",
            "Use what helps you: a warm pack, a short walk, slow breathing, a change of "
            "position every 20 to 30 minutes.",
            "Go back to your usual program step by step over a few days as the pain settles.",
            "Call us if the pain is much worse after three days, or if you notice any of "
            "the warning signs on your program. Those need a check straight away.",
        ),
        reference="George SZ et al. JOSPT 2021;51(11):CPG1-CPG60 (APTA low back pain "
        "guideline: education and self-management); NICE NG59.",
    ),
    Leaflet(
        slug="pacing",
        title="Pacing: a little more, step by step",
        summary="Plan activity in steady amounts and build up slowly, instead of boom and bust.",
        paragraphs=(
            "On a good day it is tempting to do a lot. Then pain flares and you rest for "
            "days. This is called boom and bust.",
            "Instead, find an amount you can do on most days without a flare-up, for "
            "example walking for 10 minutes.",
            "Do that amount every day, good day or bad day.",
            "Each week, add a little: a minute or two more, or one more set.",
            "Split big jobs into parts with short breaks, like gardening for 15 minutes, "
            "then a rest, then 15 more.",
        ),
        reference="George SZ et al. JOSPT 2021;51(11):CPG1-CPG60 (graded activity); NICE NG59.",
    ),
    Leaflet(
        slug="relaxation-breathing",
        title="Slow breathing and relaxing",
        summary="Slow belly breathing to ease tension and pain.",
        paragraphs=(
            "When you are in pain or worried, your muscles tighten and your breathing gets "
            "fast and shallow. That can make pain worse.",
            "Lie or sit comfortably. Put one hand on your belly.",
            "Breathe in slowly through your nose, so your belly rises under your hand.",
            "Breathe out gently through your mouth, a little longer than you breathed in, "
            "and let your shoulders drop.",
            "Use it whenever pain makes you tense. If slow breathing is one of your "
            "exercises, do it as long and as often as your sheet says.",
        ),
        reference="George SZ et al. JOSPT 2021;51(11):CPG1-CPG60 (relaxation within "
        "multimodal care); common clinical teaching.",
    ),
    Leaflet(
        slug="sleep-positions",
        title="Comfortable sleep positions",
        summary="Positions and pillows that ease pain at night.",
        paragraphs=(
            "There is no one right way to sleep. Use the position that feels easiest.",
            "On your side: bend your knees a little and put a pillow between them.",
            "On your back: put a pillow under your knees.",
            "On your front: a thin pillow under your hips may help.",
            "To get out of bed, roll onto your side, drop your legs over the edge and push "
            "up with your arms.",
            "If pain wakes you every night, tell us at your next visit.",
        ),
        reference="Common clinical advice; no trial shows one position is best.",
    ),
    Leaflet(
        slug="lifting-sitting",
        title="Lifting and sitting",
        summary="Lift and sit in ways that feel comfortable; no single 'correct' posture.",
        paragraphs=(
            "There is no perfect posture. The best posture is the next one: change position often.",
            "When you sit for a long time, get up and move every 30 minutes or so.",
            "When you lift, keep the load close to your body and do not hold your breath.",
            "Bending your back to lift is safe for most people. Start with light things "
            "and build up.",
            "Carry heavy shopping in two bags, one in each hand.",
        ),
        reference="Saraceni N et al. JOSPT 2020;50(3):121-130 (lumbar flexion during "
        "lifting is not a risk factor for back pain); NICE NG59.",
    ),
)

BY_SLUG: dict[str, Leaflet] = {leaflet.slug: leaflet for leaflet in LEAFLETS}
CHOICES: list[tuple[str, str]] = [(leaflet.slug, leaflet.title) for leaflet in LEAFLETS]
# Part of a stored handout's name: a change of wording makes new handouts.
TEXT_VERSION = hashlib.sha256(repr(LEAFLETS).encode()).hexdigest()[:16]


def chosen(slugs: Iterable[str]) -> list[Leaflet]:
    """The leaflets of these slugs, in library order; unknown slugs are left out."""
    wanted = set(slugs)
    return [leaflet for leaflet in LEAFLETS if leaflet.slug in wanted]


# Leaflets that come with a built-in template (a copy can change them like any field).
FOR_TEMPLATES: dict[str, tuple[str, ...]] = {
    "low-back-early-movement": ("hurt-not-harm", "flare-up-plan", "relaxation-breathing"),
    "low-back-core-stability": ("hurt-not-harm", "pacing", "lifting-sitting"),
    "neck-shoulder-desk": ("pacing", "relaxation-breathing", "sleep-positions"),
    "knee-basics": ("pacing", "flare-up-plan"),
    "hip-basics": ("pacing", "flare-up-plan"),
    "low-back-flare-up": ("flare-up-plan", "hurt-not-harm", "relaxation-breathing"),
    "low-back-extension": ("hurt-not-harm", "pacing"),
    "leg-pain-nerve-glides": ("hurt-not-harm", "flare-up-plan"),
    "low-back-lifting": ("lifting-sitting", "pacing"),
    "knee-strength": ("pacing",),
    "balance-steadiness": ("pacing",),
    "shoulder-movement": ("pacing", "sleep-positions"),
    "breathing-relaxation": ("relaxation-breathing", "sleep-positions"),
}
