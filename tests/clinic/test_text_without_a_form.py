"""Text a view reads without a form goes through clinic.parsing.parse_text: a NUL byte in
it was a 500 on PostgreSQL, whose text columns refuse NUL (found by the fuzzer there; SQLite
stores it). Each request here is one the fuzzer sent."""

from __future__ import annotations

from clinic.parsing import parse_text
from programs.models import Program

NULS = "\x00" * 16


def test_parse_text_keeps_words_and_drops_what_no_one_types():
    assert parse_text("  Back care, week 2\x00 ", 120) == "Back care, week 2"
    assert parse_text(NULS, 120) == ""
    assert parse_text("x" * 500, 120) == "x" * 120
    assert parse_text(None, 10) == "" and parse_text(["a"], 10) == ""


def test_a_template_saved_under_a_nul_title_takes_the_programs_title(as_clinician_a, program_a1):
    url = f"/portal/patients/{program_a1.assignment.patient.uuid}/programs/{program_a1.uuid}/"
    answer = as_clinician_a.post(url + "save-as-template/", {"title": "\x00"})
    assert answer.status_code == 302
    saved = Program.objects.filter(is_template=True, clinic=program_a1.clinic).latest("pk")
    assert saved.title == program_a1.title
    as_clinician_a.post(url + "save-as-template/", {"title": " Mine\x00 "})
    assert Program.objects.filter(is_template=True, title="Mine").exists()


def test_the_builders_library_search_ignores_nul_bytes(as_clinician_a, program_a1):
    url = f"/portal/patients/{program_a1.assignment.patient.uuid}/programs/{program_a1.uuid}/edit/"
    answer = as_clinician_a.get(url, {"q": NULS + "cat"})
    assert answer.status_code == 200
    assert "Cat" in answer.content.decode()  # searched for "cat": the cat-cow stretch


def test_a_session_edit_with_a_nul_token_changes_nothing(as_patient_a1, program_a1):
    answer = as_patient_a1.post("/me/log/edit/", {"client_token": NULS, "pain": "3"})
    assert answer.status_code < 500
