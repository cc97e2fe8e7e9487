"""The caseload table's rows, formatted in Python.

Through the template language, 25 rows of links, dates, "3 days ago" and adherence badges
were most of the caseload's CPU time (a template variable costs microseconds, a `date`
filter tens of them, and each row used a dozen of them plus an include). Here each row is
one format_html call: the same markup, escaped the same way, at a fraction of the cost.
The page around the rows stays a template (templates/clinician/caseload.html).
"""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from patients.models import Patient

# Any UUID: the chart's URL is reversed once per page and the patient's put in its place.
_PLACEHOLDER = uuid.UUID(int=0)


def _day(value) -> str:
    # The `date` filter's "j M Y", without its per-call format lookups.
    return f"{value.day} {str(MONTHS_3[value.month]).title()} {value.year}"


def _moment(value) -> str:
    local = timezone.localtime(value)
    return f"{_day(local)} {local:%H:%M}"


def _number(value: float) -> str:
    # floatformat:"-1": one decimal place, none when the value is whole.
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def adherence_badge(percent: float | None, done: int, prescribed: float) -> SafeString:
    """Green from 80 % to 110 %, amber 50-79 %, red below; above 110 % is said in words,
    not praised in green."""
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
    if percent > 110:
        badge = format_html(
            '<span class="badge text-bg-info" title="{}">{}</span>',
            _("More sessions logged than prescribed: worth asking whether the dose is right"),
            _("{percent}% · above plan").format(percent=shown),
        )
    else:
        colour = (
            "text-bg-success"
            if percent >= 80
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


def rows(patients, *, clinical: bool) -> list[SafeString]:
    """One <tr>'s cells per patient, as the table in templates/clinician/caseload.html.

    Assembled with f-strings: every value that comes from a record goes through escape()
    (names, the clinician's name, dates with their translated month names); the rest is
    our own markup and numbers."""
    chart = reverse("patients:patient_chart", args=[_PLACEHOLDER])
    placeholder = str(_PLACEHOLDER)
    now = timezone.now()
    out = []
    for patient in patients:
        clinician = escape(patient.clinician) if patient.clinician_id else "—"
        html = (
            '<td><a class="fw-semibold text-decoration-none" '
            f'href="{escape(chart.replace(placeholder, str(patient.uuid)))}">'
            f"{escape(patient.last_name)}, {escape(patient.first_name)}</a></td>"
            f'<td class="d-none d-md-table-cell">{escape(_day(patient.date_of_birth))}</td>'
            f'<td class="d-none d-lg-table-cell">{clinician}</td>'
        )
        if clinical:
            html += _clinical_cells(patient, now)
        out.append(mark_safe(html))  # noqa: S308 - escaped above, piece by piece
    return out


def _clinical_cells(patient: Patient, now) -> str:
    badge = adherence_badge(patient.adherence_7d, patient.done_7d, patient.prescribed_7d)
    # Words through gettext outside the f-strings: makemessages does not read inside them.
    if patient.last_activity_at:
        quiet = ' class="text-danger"' if patient.quiet else ""
        since = _("{time} ago").format(time=timesince(patient.last_activity_at, now))
        activity = (
            f'<span title="{escape(_moment(patient.last_activity_at))}"{quiet}>'
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
        none = _("None")
        flags = f'<span class="text-muted small">{escape(none)}</span>'
    return f"<td>{badge}</td><td>{activity}</td><td>{urgent}{flags}</td>"
