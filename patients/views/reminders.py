"""Exercise reminders: the patient's own settings, the clinic's (with recorded consent),
and the unsubscribe link every reminder carries."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from clinic import permissions
from clinic.actors import Actor
from clinic.languages import for_patient
from patients.access import patient_or_404
from patients.reminders import (
    ReminderError,
    reminder_setting,
    reminders_unsubscribe,
    reminders_update,
    setting_for_token,
)
from patients.views.patient_area.shared import audit_read

TIMES = [(f"{hour:02d}:00", f"{hour:02d}:00") for hour in range(8, 21)]


class ReminderForm(forms.Form):
    enabled = forms.BooleanField(required=False, label=_("Send me a reminder on exercise days"))
    consent = forms.BooleanField(
        required=False,
        label=_("I agree to get these e-mails. I can stop them at any time."),
    )
    time_of_day = forms.TimeField(
        label=_("At about"),
        # Drawn as the rest of the page's fields, big enough to tap (phone review).
        widget=forms.Select(choices=TIMES, attrs={"class": "form-select w-auto"}),
        input_formats=["%H:%M"],
    )


class ClinicReminderForm(ReminderForm):
    enabled = forms.BooleanField(required=False, label=_("Send reminders on exercise days"))
    consent = forms.BooleanField(
        required=False,
        # Says what saving does: "(recorded by you, today)" read as if it were on file.
        label=_(
            "The patient has told me they agree to e-mail reminders. Saving records their "
            "consent under my name, dated today."
        ),
    )


def _initial(setting) -> dict:
    return {"enabled": setting.enabled, "time_of_day": setting.time_of_day.strftime("%H:%M")}


def _save(request: HttpRequest, patient, form: forms.Form) -> bool:
    try:
        reminders_update(
            actor=request.actor,
            patient=patient,
            enabled=form.cleaned_data["enabled"],
            consent=form.cleaned_data["consent"],
            time_of_day=form.cleaned_data["time_of_day"],
        )
    except ReminderError as error:
        form.add_error(None, str(error))
        return False
    return True


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.patient_required
def my_reminders(request: HttpRequest) -> HttpResponse:
    setting = reminder_setting(request.patient)
    form = ReminderForm(request.POST or None, initial=_initial(setting))
    if request.method == "POST" and form.is_valid() and _save(request, request.patient, form):
        # Made words now, in the patient's language: a lazy text would be read after the
        # view's language ends, when the message is stored (in English).
        messages.success(request, gettext("Saved."))
        return redirect("patients:patient_reminders")
    # The page shows their consent and its date, the time and whether e-mails go out.
    audit_read(request, "patient.reminders")
    return render(
        request,
        "patient/reminders.html",
        {"form": form, "setting": setting, "patient": request.patient, "tab": "today"},
    )


@require_POST
@permissions.staff_required("patients.edit")
def patient_reminders(request: HttpRequest, patient_uuid) -> HttpResponse:
    patient = patient_or_404(request, patient_uuid)
    form = ClinicReminderForm(request.POST)
    if form.is_valid() and _save(request, patient, form):
        messages.success(request, _("Reminder settings saved."))
    else:
        errors = " ".join(str(e) for e in form.non_field_errors()) or "Check the reminder settings."
        messages.error(request, errors)
    return redirect("patients:patient_chart", patient_uuid=patient.uuid)


@permissions.public
@never_cache
@csrf_exempt  # mail clients' one-click unsubscribe POSTs without a form; the token is the key
@require_http_methods(["GET", "POST"])
def reminders_stop(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; POST stops the reminders (once), without signing in."""
    setting = setting_for_token(token)
    if setting is None:
        return render(request, "registration/reminders_stop.html", {"setting": None}, status=404)
    stopped = False
    if request.method == "POST":
        stopped = reminders_unsubscribe(token=token, actor=Actor.visitor(request))
    # The link came in the patient's e-mail: the page is in the same language.
    with for_patient(setting.patient.preferred_language):
        return render(
            request,
            "registration/reminders_stop.html",
            {"setting": setting, "posted": request.method == "POST", "stopped": stopped},
        )
