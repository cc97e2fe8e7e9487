"""A textarea's maxlength counts a line break as one character; the browser sends it as
CRLF, two. Text that fit its box was refused by the server (clinic.middleware.
LineBreaksMiddleware gives the views LF line breaks, as the box counted them)."""

from __future__ import annotations

import re
from datetime import timedelta

from patients.adherence import patient_today
from patients.models import RedFlagScreen, SessionLog
from tests.factories import RedFlagScreenFactory
from tests.patients.test_logging import post_session


def in_the_box(lines: list[str], box: int) -> str:
    """The text as the browser sends it: at most `box` characters as the box counts."""
    text = "\r\n".join(lines)
    assert len(text.replace("\r\n", "\n")) <= box < len(text)
    return text


def test_a_red_flag_decision_note_that_fits_its_box_is_recorded(as_clinician_a, patient_a1):
    RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"saddle": True})
    chart = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/").content.decode()
    assert re.search(r'<textarea[^>]*name="note"[^>]*maxlength="1000"', chart)
    note = in_the_box(["Saddle sensation intact, bladder normal, reflexes"[:49]] * 20, 1000)
    as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/screen/decision/",
        {"decision": "cleared", "note": note, "seen": RedFlagScreen.objects.get().version()},
    )
    screen = RedFlagScreen.objects.get()
    assert screen.decision == "cleared" and screen.decision_note == note.replace("\r\n", "\n")


def test_a_report_summary_that_fits_its_box_is_taken(as_clinician_a, patient_a1):
    page = as_clinician_a.get(f"/portal/patients/{patient_a1.uuid}/report/").content.decode()
    assert re.search(r'<textarea[^>]*maxlength="3000"', page)
    narrative = in_the_box(["x" * 298, ""] * 9 + ["x" * 298], 3000)
    today = patient_today(patient_a1)
    response = as_clinician_a.post(
        f"/portal/patients/{patient_a1.uuid}/report/",
        {
            "start": (today - timedelta(weeks=8)).isoformat(),
            "end": today.isoformat(),
            "narrative": narrative,
        },
    )
    assert response.status_code == 302


def test_a_patients_comment_that_fits_its_box_is_saved(as_patient_a1, program_a1):
    comment = in_the_box(["My knee felt stiff today"] * 20, 500)
    assert post_session(as_patient_a1, program_a1, comment=comment).status_code == 302
    assert SessionLog.objects.get().comment == comment.replace("\r\n", "\n")
