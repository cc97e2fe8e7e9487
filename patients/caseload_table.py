"""The caseload table's rows, formatted in Python.

Through the template language, 25 rows of links, dates, "3 days ago" and adherence badges
were most of the caseload's CPU time (a template variable costs microseconds, a `date`
filter tens of them, and each row used a dozen of them plus an include). Here each row is
one format_html call: the same markup, escaped the same way, at a fraction of the cost.
The page around the rows stays a template (templates/clinician/caseload.html).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import gettext as _

from patients.adherence import ABOVE_PLAN, WEEKLY_TARGET
from patients.models import Patient

# Any UUID: the chart's URL is reversed once per page and the patient's put in its place.
_PLACEHOLDER = uuid.UUID(int=0)

# What rows() reads of each patient (with select_related("clinician")): the page loads
# only these, not every column of 25 patients and their clinicians.
FIELDS = (
    "uuid",
    "first_name",
    "last_name",
    "date_of_birth",
    "clinician__full_name",
    "clinician__email",
    "adherence_7d",
    "done_7d",
    "prescribed_7d",
    "last_activity_at",
    "quiet",
    "urgent",
    "open_flags",
    "discharged_on",
)


def _month(number: int) -> str:
    return str(MONTHS_3[number]).title()


def _day(value, month: Callable[[int], str] = _month) -> str:
    # The `date` filter's "j M Y", without its per-call format lookups.
    return f"{value.day} {month(value.month)} {value.year}"


def _moment(value, month: Callable[[int], str]) -> str:
    local = timezone.localtime(value)
    return f"{_day(local, month)} {local:%H:%M}"


class _Counted:
    """One of timesince's unit words ("%(num)d days"), translated once per number: the
    rows repeat the same few counts, and each translation is a catalogue lookup."""

    def __init__(self, text) -> None:
        self.text = text
        self.done: dict[int, str] = {}

    def __mod__(self, values: dict) -> str:
        number = values["num"]
        if number not in self.done:
            self.done[number] = self.text % values
        return self.done[number]


def _number(value: float) -> str:
    # floatformat:"-1": one decimal place, none when the value is whole.
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def adherence_badge(
    percent: float | None, done: int, prescribed: float, _: Callable[[str], str] = _
) -> SafeString:
    """Green from 80 % to 110 %, amber 50-79 %, red below; above 110 % is said in words,
    not praised in green. `_` is gettext, or rows()' once-per-page memo of it."""
    if percent is None:
        return format_html(
            '<span class="text-muted small" title="{}">{}</span>',
            _(
                "Nothing was prescribed on the full days counted: a program started today, "
                "paused, or none"
            ),
            _("New or no program"),
        )
    # floatformat:0 rounds halves up; round() would round them to even.
    shown = int(percent + 0.5)
    if percent > ABOVE_PLAN:
        badge = format_html(
            '<span class="badge text-bg-info" title="{}">{}</span>',
            _("More exercises done than prescribed: worth asking whether the dose is right"),
            _("{percent}% · above plan").format(percent=shown),
        )
    else:
        colour = (
            "text-bg-success"
            if percent >= WEEKLY_TARGET
            else "text-bg-warning"
            if percent >= 50
            else "text-bg-danger"
        )
        badge = format_html('<span class="badge {}">{}%</span>', colour, shown)
    return format_html(
        '{} <span class="small text-muted">{}</span>',
        badge,
        _("{done} of {prescribed}").format(done=done, prescribed=_number(prescribed)),
    )


def rows(patients, *, clinical: bool, with_clinician: bool = False) -> list[SafeString]:
    """One <tr>'s cells per patient, as the table in templates/clinician/caseload.html.
    `with_clinician`: everyone's patients are listed, so below the width that shows the
    Clinician column each name says whose patient it is.

    Assembled with f-strings: every value that comes from a record goes through escape()
    (names, the clinician's name, dates with their translated month names); the rest is
    our own markup and numbers. The words are translated once per page, not per row
    (about 200 gettext calls were a fifth of the page's CPU)."""
    words = functools.cache(_)
    month = functools.cache(_month)
    units = {name: _Counted(text) for name, text in TIME_STRINGS.items()}
    chart = reverse("patients:patient_chart", args=[_PLACEHOLDER])
    placeholder = str(_PLACEHOLDER)
    now = timezone.now()
    # Without the clinical columns there is room for the date of birth on a phone, and
    # the front desk tells two patients of one name apart by it.
    birth_class = ' class="d-none d-md-table-cell"' if clinical else ""
    out = []
    unassigned = escape(_("Not assigned"))
    discharged = escape(_("Discharged"))
    for patient in patients:
        clinician = escape(patient.clinician) if patient.clinician_id else "—"
        born = escape(_day(patient.date_of_birth, month))
        whose = ""
        if with_clinician:
            # Shown where the Clinician column is not (display: none, to screen readers too).
            whose = (
                '<div class="small text-muted d-lg-none">'
                f"{clinician if patient.clinician_id else unassigned}</div>"
            )
        if clinical:
            # Where the birth date's column is hidden (a phone), under the name: two
            # patients of one name are told apart by it.
            whose += f'<div class="small text-muted d-md-none">{born}</div>'
        if patient.discharged_on:
            # Out of care, on their maintenance program: told apart from those in care.
            when = escape(_day(patient.discharged_on, month))
            whose = (
                f' <span class="badge text-bg-secondary" title="{when}">{discharged}</span>' + whose
            )
        html = (
            '<td><a class="fw-semibold text-decoration-none" '
            f'href="{escape(chart.replace(placeholder, str(patient.uuid)))}">'
            f"{escape(patient.last_name)}, {escape(patient.first_name)}</a>{whose}</td>"
            f"<td{birth_class}>{born}</td>"
            f'<td class="d-none d-lg-table-cell">{clinician}</td>'
        )
        if clinical:
            html += _clinical_cells(patient, now, words, units, month)
        out.append(mark_safe(html))  # noqa: S308 - escaped above, piece by piece
    return out


JUST_NOW = timedelta(minutes=1)


def _clinical_cells(
    patient: Patient, now, _: Callable[[str], str], units: dict, month: Callable[[int], str]
) -> str:
    badge = adherence_badge(patient.adherence_7d, patient.done_7d, patient.prescribed_7d, _)
    # Words through `_` (rows()' gettext memo) outside the f-strings: makemessages does not
    # read inside them.
    if patient.last_activity_at:
        quiet = ' class="text-danger"' if patient.quiet else ""
        # timesince counts whole minutes: under one it said "0 minutes ago".
        since = (
            _("{time} ago").format(
                time=timesince(patient.last_activity_at, now, time_strings=units)
            )
            if now - patient.last_activity_at >= JUST_NOW
            else _("Just now")
        )
        activity = (
            f'<span title="{escape(_moment(patient.last_activity_at, month))}"{quiet}>'
            f"{escape(since)}</span>"
        )
    else:
        never = _("No activity yet")
        activity = f'<span class="text-muted">{escape(never)}</span>'
    urgent = ""
    if patient.urgent:
        symptom = _("Urgent symptom")
        urgent = f'<span class="badge text-bg-danger">{escape(symptom)}</span> '
    if patient.open_flags:
        count = _("{count} open").format(count=int(patient.open_flags))
        flags = f'<span class="badge text-bg-danger">{escape(count)}</span>'
    else:
        # A dash, as the clinician column's: a bare "None" read like a program's blank.
        none = _("No open flags")
        flags = (
            f'<span class="text-muted" aria-hidden="true">—</span>'
            f'<span class="visually-hidden">{escape(none)}</span>'
        )
    # Last activity gives way on a phone: its words are the widest cell, and they pushed
    # the flags out of sight (off the table's right edge at 360 px).
    return (
        f'<td>{badge}</td><td class="d-none d-sm-table-cell">{activity}</td>'
        f"<td>{urgent}{flags}</td>"
    )
