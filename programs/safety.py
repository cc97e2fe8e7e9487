"""When to stop and call the clinic, and when to get emergency help, by body region.

The one place this clinical text lives. The handout's stop box and the patient pages
(templates/_stop_rules.html) show `stop_rules_for(...)` for the regions of a program's
exercises. Each sign finishes the sentence "Stop and call us if ..." or "Call 999 or go
to A&E now if ..." (the number and place are the clinic's: clinic.emergency), in plain
words for a patient who may already have some leg or arm pain: what matters is pain
spreading *further*, not past a fixed point. Signs shared by several regions are one
constant here, so a program for two regions shows them once.

Like programs.content, this module holds data only and does not import Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clinic.emergency import EmergencyHelp
from clinic.lib.catalogue import gettext_noop

# Signs that more than one region shares (stated once, shown once).
_ARM_NERVE = gettext_noop("pain or tingling spreads further down your arm, or your hand feels weak")
_HOT_JOINT = gettext_noop(
    "a joint becomes hot, red and swollen and you have a fever or feel unwell"
)
# After a joint replacement or other surgery on a limb, a wound infection is urgent.
_WOUND = gettext_noop("your wound from an operation gets red, hot or swollen, or starts to leak")


@dataclass(frozen=True)
class RegionSafety:
    key: str
    # What the region's rules are about, for a heading: "your back".
    label: str
    stop: tuple[str, ...]
    urgent: tuple[str, ...]


GENERAL = RegionSafety(
    key="general",
    label="any exercise",
    stop=(
        gettext_noop("pain is sharp, or keeps getting worse while you exercise"),
        gettext_noop("you feel faint, dizzy or sick"),
    ),
    urgent=(
        gettext_noop("you get chest pain or tightness, or suddenly find it very hard to breathe"),
    ),
)

LOW_BACK = RegionSafety(
    key="low_back",
    label="your back",
    stop=(
        gettext_noop("pain spreads further down your leg"),
        gettext_noop("you get new numbness, tingling or weakness in your leg or foot"),
    ),
    urgent=(
        gettext_noop("you find it hard to pass urine, or you can't pass any"),
        gettext_noop("you can't control your bladder or bowels, or you wet or soil yourself"),
        gettext_noop("you feel numb between your legs, around your bottom or your genitals"),
        gettext_noop("sex feels numb or different, or you can't get an erection"),
        gettext_noop("your leg keeps getting weaker, or you have pain or weakness in both legs"),
        gettext_noop("your foot drags or slaps down when you walk"),
    ),
)

NECK = RegionSafety(
    key="neck",
    label="your neck",
    stop=(_ARM_NERVE,),
    urgent=(
        gettext_noop("your hands feel clumsy, or you keep dropping things"),
        gettext_noop("you feel unsteady when you walk"),
        gettext_noop("you see double, or find it hard to speak or swallow"),
        gettext_noop("you feel dizzy or faint, or black out, when you move your neck"),
        gettext_noop(
            "you get a sudden, very bad headache or neck pain, worse than any you have had"
        ),
    ),
)

SHOULDER = RegionSafety(
    key="shoulder",
    label="your shoulder",
    stop=(
        gettext_noop("your shoulder catches, locks, or feels as if it might slip out"),
        _ARM_NERVE,
    ),
    urgent=(
        _HOT_JOINT,
        _WOUND,
        gettext_noop("after a fall, your shoulder looks out of shape or you can't move your arm"),
    ),
)

LEG = RegionSafety(
    key="leg",
    label="your hip, knee or ankle",
    stop=(
        gettext_noop("your hip or knee gives way, locks or catches"),
        gettext_noop("your knee, hip or ankle swells up more than before"),
    ),
    urgent=(
        gettext_noop("one calf becomes painful and swollen, warm or red"),
        _HOT_JOINT,
        _WOUND,
        gettext_noop("you can't put any weight on your leg after a fall or a twist"),
    ),
)

# Exercise regions (programs.models.Region codes) and the rules they add to the general
# ones. Mid back, core and whole body exercises need no more than the general rules.
BY_REGION: dict[str, RegionSafety] = {
    "low_back": LOW_BACK,
    "neck": NECK,
    "shoulder": SHOULDER,
    "hip": LEG,
    "knee": LEG,
    "ankle_foot": LEG,
}
ORDER = (GENERAL, LOW_BACK, NECK, SHOULDER, LEG)


@dataclass(frozen=True)
class StopRules:
    """What one program's patient is told: when to stop and call, when to get urgent help."""

    regions: tuple[RegionSafety, ...]
    stop: tuple[str, ...]
    urgent: tuple[str, ...]
    # The clinic's number and place, for "Call 999 or go to A&E now if:".
    emergency: EmergencyHelp


def _unique(signs: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(signs))


def stop_rules_for(regions: Iterable[str], *, emergency: EmergencyHelp) -> StopRules:
    """The general rules plus those of every body region in `regions` (Region codes),
    in a fixed order, each sign once, with the clinic's emergency help (required: a
    patient must never read another country's number)."""
    wanted = {BY_REGION[code] for code in regions if code in BY_REGION}
    chosen = tuple(safety for safety in ORDER if safety is GENERAL or safety in wanted)
    return StopRules(
        regions=chosen,
        stop=_unique(sign for safety in chosen for sign in safety.stop),
        urgent=_unique(sign for safety in chosen for sign in safety.urgent),
        emergency=emergency,
    )


# An exercise tagged with the spine and a limb (a bridge: hip and low back) is there for
# the spine: it brings the spine's rules, not the limb's, so a back program does not list
# knee signs. An exercise for a limb alone brings the limb's.
SPINE = ("low_back", "neck")


def program_regions(items: Iterable[Any]) -> set[str]:
    """The body regions whose rules apply to `items` (program items, or exercises)."""
    regions: set[str] = set()
    for item in items:
        exercise = getattr(item, "exercise", item)
        tagged = set(exercise.regions or ())
        regions.update(tagged & set(SPINE) or tagged)
    return regions


def stop_rules_for_items(items: Iterable[Any], *, emergency: EmergencyHelp) -> StopRules:
    """The stop rules for a program, from its items (with their exercises loaded)."""
    return stop_rules_for(program_regions(items), emergency=emergency)
