from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from clinic.emergency import EMERGENCY_HELP
from clinic.models import Clinic
from programs import safety
from programs.content.exercises import EXERCISES
from programs.safety import stop_rules_for, stop_rules_for_items
from tests.programs.test_exercise_content import JARGON, words

REGIONS = ("low_back", "neck", "shoulder", "knee", "hip", "ankle_foot")
UK = EMERGENCY_HELP["uk"]


def signs(rules) -> str:
    return " | ".join((*rules.stop, *rules.urgent)).lower()


def test_the_back_rules_name_every_cauda_equina_sign():
    """Issue 13: the urgent box had bladder/bowel and saddle numbness only."""
    urgent = " | ".join(stop_rules_for(["low_back"], emergency=UK).urgent).lower()
    for sign in (
        "hard to pass urine",
        "bladder or bowels",
        "between your legs",
        "erection",
        "keeps getting weaker",
        "both legs",
        "foot drags",
    ):
        assert sign in urgent, sign


def test_the_back_rules_are_for_a_patient_who_may_already_have_leg_pain():
    rules = stop_rules_for(["low_back"], emergency=UK)
    assert "pain spreads further down your leg" in rules.stop
    assert "below your knee" not in signs(rules)


def test_the_neck_rules_name_the_signs_of_a_neck_emergency():
    urgent = " | ".join(stop_rules_for(["neck"], emergency=UK).urgent).lower()
    for sign in ("clumsy", "unsteady", "double", "speak", "swallow", "when you move your neck"):
        assert sign in urgent, sign
    assert "bladder" not in signs(stop_rules_for(["neck"], emergency=UK))


def test_the_knee_and_hip_rules_name_a_swollen_calf_a_hot_joint_and_a_red_wound():
    for region in ("knee", "hip", "ankle_foot"):
        urgent = " | ".join(stop_rules_for([region], emergency=UK).urgent).lower()
        assert "calf" in urgent and "hot" in urgent and "fever" in urgent, region
        # After a knee or hip replacement: wound redness or fever (issue 13).
        assert "wound" in urgent and "red" in urgent, region
        assert "bladder" not in urgent and "clumsy" not in urgent, region


def test_every_program_gets_the_general_rules_and_only_its_own_regions():
    general = stop_rules_for([], emergency=UK)
    assert general.regions == (safety.GENERAL,)
    assert "chest" in " ".join(general.urgent)
    shoulder = stop_rules_for(["shoulder", "mid_back"], emergency=UK)
    assert shoulder.regions == (safety.GENERAL, safety.SHOULDER)
    assert set(general.stop) <= set(shoulder.stop)


def test_a_sign_two_regions_share_is_listed_once():
    both = stop_rules_for(["neck", "shoulder", "knee"], emergency=UK)
    assert len(both.stop) == len(set(both.stop))
    assert len(both.urgent) == len(set(both.urgent))
    assert sum("arm" in sign and "tingling" in sign for sign in both.stop) == 1
    assert sum("hot, red and swollen" in sign for sign in both.urgent) == 1


def test_an_exercise_for_the_spine_and_a_limb_brings_the_spines_rules():
    """A bridge works the hips for a back program: its patient needs the back's signs, not
    the knee's."""
    bridge = SimpleNamespace(exercise=SimpleNamespace(regions=["core", "hip", "low_back"]))
    clamshell = SimpleNamespace(exercise=SimpleNamespace(regions=["hip"]))
    assert stop_rules_for_items([bridge], emergency=UK).regions == (safety.GENERAL, safety.LOW_BACK)
    assert stop_rules_for_items([bridge, clamshell], emergency=UK).regions == (
        safety.GENERAL,
        safety.LOW_BACK,
        safety.LEG,
    )


def test_every_library_exercise_region_is_covered():
    for exercise in EXERCISES:
        rules = stop_rules_for_items([SimpleNamespace(regions=exercise["regions"])], emergency=UK)
        assert rules.stop and rules.urgent, exercise["slug"]


def test_the_texts_are_short_plain_and_ours():
    for region in safety.ORDER:
        assert region.stop and region.urgent, region.key
        for sign in (*region.stop, *region.urgent):
            # Each finishes "Stop and call us if ..." or "Call 999 ... if ...".
            assert sign == sign.strip() and sign[0].islower() and not sign.endswith("."), sign
            assert len(words(sign)) <= 16, sign
            assert not {word.lower() for word in words(sign)} & JARGON, sign
            assert "below your knee" not in sign


def test_the_stop_box_tells_the_patient_who_to_call():
    rules = stop_rules_for(["low_back"], emergency=UK)
    clinic = SimpleNamespace(name="Clinic A", phone="+1 555 0100")
    web = render_to_string("_stop_rules.html", {"rules": rules, "clinic": clinic})
    assert 'href="tel:+1 555 0100"' in web
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", web))
    assert re.search(r"Stop and call us on \+1 555 0100 if:", text)
    assert "Call 999 or go to A&amp;E now if:" in text
    printed = render_to_string("_stop_rules.html", {"rules": rules, "clinic": clinic, "print": 1})
    assert "href" not in printed and "+1 555 0100" in printed
    nophone = render_to_string("_stop_rules.html", {"rules": rules, "clinic": SimpleNamespace()})
    assert "Stop and call us if:" in nophone


def test_the_safety_module_is_data_without_django():
    source = Path(safety.__file__).read_text(encoding="utf-8")
    assert source.startswith('"""') and "from __future__ import annotations" in source
    assert "django" not in source.replace("does not import Django", "")


def test_every_emergency_region_a_clinic_can_choose_has_its_number_and_place():
    choices = dict(Clinic._meta.get_field("emergency_region").choices)
    assert set(choices) == set(EMERGENCY_HELP)
    for help in EMERGENCY_HELP.values():
        assert help.region and help.number.isdigit() and help.place


@pytest.mark.django_db
def test_the_database_refuses_a_region_with_no_emergency_number(clinic_a):
    # An update skips the form's choices; a clinic with an unknown code would have no number
    # to print in its stop boxes, so it must never be stored.
    with pytest.raises(IntegrityError), transaction.atomic():
        Clinic.objects.filter(pk=clinic_a.pk).update(emergency_region="zz")
    clinic_a.refresh_from_db()
    assert clinic_a.emergency_help == EMERGENCY_HELP[clinic_a.emergency_region]


def test_the_urgent_line_is_the_clinics_own():
    clinic = SimpleNamespace(name="Clinic A", phone="")
    for code, number, place in (("us", "911", "the emergency room"), ("uk", "999", "A&amp;E")):
        rules = stop_rules_for(["low_back"], emergency=EMERGENCY_HELP[code])
        for printed in (0, 1):
            html = render_to_string(
                "_stop_rules.html", {"rules": rules, "clinic": clinic, "print": printed}
            )
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
            assert f"Call {number} or go to {place} now if:" in text
            assert ("Call 999" in text) is (code == "uk")
