"""My progress: the weeks' share of the plan, and pain during exercise."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic import permissions
from clinic.lib.charts import Point, bar_chart, day_label, line_chart
from patients import adherence
from patients.models import SessionLog
from patients.views.patient_area.shared import audit_read

PROGRESS_WEEKS = 8


def _weeks_in_words(weeks: list[adherence.Period]) -> str | None:
    """The weekly chart in plain words for the patient (the general sentence spoke of
    "entries" and averages to a tenth of a percent). The weeks are whole ones: this week,
    last, has only begun (on a Monday morning it read as a week missed). None while no
    week had a plan."""
    *whole, this_week = weeks
    shares = [week.percent for week in whole if week.percent is not None]
    if not shares:
        if this_week.percent is None:
            return None
        return _("You have done {percent}% of this week's plan so far.").format(
            percent=this_week.percent
        )
    good = sum(1 for share in shares if share >= adherence.WEEKLY_TARGET)
    # "Before this week": the chart shows this week's bar too, and "1 of 4 weeks" under 5
    # bars read as a miscount. The share in all is the report's (adherence.in_all).
    return ngettext(
        "Before this week, you did {percent}% of the exercises in your plan, and "
        "{target}% or more in {good} of {count} week.",
        "Before this week, you did {percent}% of the exercises in your plan, and "
        "{target}% or more in {good} of {count} weeks.",
        len(shares),
    ).format(
        percent=adherence.in_all(whole).percent,
        target=adherence.WEEKLY_TARGET,
        good=good,
        count=len(shares),
    )


@never_cache
@require_GET
@permissions.patient_required
def progress(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    weeks = adherence.since_first_planned(adherence.by_week(patient, PROGRESS_WEEKS))
    adherence_chart = bar_chart(
        [Point(day_label(w.start), w.percent) for w in weeks],
        title=adherence.WEEKS_CHART_TITLE,
        y_max=100,
        unit="%",
        target=adherence.WEEKLY_TARGET,
        summary=_weeks_in_words(weeks),
    )
    pains = list(
        SessionLog.objects.filter(
            patient=patient,
            pain__isnull=False,
            performed_on__gte=weeks[0].start,
        )
        .order_by("performed_on", "logged_at")
        .values_list("performed_on", "pain")
    )
    pain_chart = line_chart(
        [Point.on(day, pain) for day, pain in pains],
        title=_("Pain during exercise (0 to 10)"),
        y_min=0,
        y_max=10,
        higher_is_better=False,
    )
    audit_read(request, "patient.progress")
    return render(
        request,
        "patient/progress.html",
        {
            "patient": patient,
            "weeks": weeks,
            "adherence_chart": adherence_chart,
            "pain_chart": pain_chart,
            "streak": adherence.streak(patient),
            "this_week": weeks[-1],
            "tab": "progress",
        },
    )
