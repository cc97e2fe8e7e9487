from __future__ import annotations

from datetime import date

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.capabilities import IN_CHARGE, role_can, roles_that_can
from clinic.edits import SeenVersion
from clinic.models import Membership, User
from clinic.once import SentOnce
from clinic.validators import phone_validator
from patients.models import Patient
from patients.name_search import folded

MAX_AGE_YEARS = 120
EMAIL_IN_USE = _("Another patient of this clinic already uses this e-mail.")


def _holding(holder: Patient) -> str:
    """Which record has the address: a duplicate made by mistake and archived still held
    it, and "another patient" sent the desk looking through the active list for nobody
    (found by the front-desk review). The clinic's own patient, named to its own staff."""
    born = date_format(holder.date_of_birth, "j M Y") if holder.date_of_birth else ""
    if holder.status == Patient.Status.ARCHIVED:
        return gettext(
            "This e-mail is on the archived record of {name} (born {born}). To use it here, "
            "restore that record, change its e-mail, and archive it again."
        ).format(name=holder.full_name, born=born)
    return gettext("This e-mail is on the record of {name} (born {born}).").format(
        name=holder.full_name, born=born
    )


def _clinician_label(user: User) -> str:
    if getattr(user, "on_staff", True):
        return str(user)
    return gettext("{name} (no longer on staff)").format(name=user)


class PatientForm(SeenVersion, forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "preferred_language",
            "large_print",
            "clinician",
            "external_id",
        ]
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "date_of_birth": _("Date of birth"),
            "phone": _("Phone"),
            "preferred_language": _("Preferred language"),
        }
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "email": _(
                "Where sign-in invitations are sent. The patient proves it is theirs by "
                "using one. Optional."
            )
        }

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.clinic = membership.clinic
        self.fields["phone"].validators.append(phone_validator)
        on_staff = Q(
            pk__in=Membership.objects.filter(
                clinic=self.clinic,
                is_active=True,
                user__is_active=True,
                role__in=roles_that_can(IN_CHARGE),
            ).values("user_id")
        )
        # The clinician in charge stays a choice after they leave the staff: otherwise the
        # page shows "Not assigned" and a save of any other detail (a new phone number)
        # unassigns them without a word. Nobody else who left can be chosen.
        current = Q(pk=self.instance.clinician_id) if self.instance.clinician_id else Q(pk=None)
        field = self.fields["clinician"]
        field.queryset = (
            User.objects.filter(on_staff | current)
            .annotate(on_staff=ExpressionWrapper(on_staff, output_field=BooleanField()))
            .order_by("full_name")
        )
        field.label_from_instance = _clinician_label
        field.empty_label = gettext("Not assigned")
        if not self.instance.pk and role_can(membership.role, IN_CHARGE):
            self.fields["clinician"].initial = membership.user_id
        if self.instance.pk and self.instance.user_id:
            # Said before the save, not only after it (patients.services.patient_update).
            self.fields["email"].help_text = gettext(
                "The patient signs in with this address. Changed or cleared, their login no "
                "longer opens this record: then invite them again at the new address."
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "seen",
            Row(Column("first_name"), Column("last_name")),
            Row(Column("date_of_birth"), Column("preferred_language")),
            Row(Column("email"), Column("phone")),
            Row(Column("clinician"), Column("external_id")),
            "large_print",
            Submit("save", gettext("Save patient")),
        )

    def _extra_kwargs(self) -> dict:
        return {"membership": self.membership}

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self) -> str:
        return self.cleaned_data["last_name"].strip()

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(gettext("The date of birth cannot be in the future."))
        if born < today.replace(year=today.year - MAX_AGE_YEARS):
            raise forms.ValidationError(
                gettext("Check the year: that would make the patient over 120.")
            )
        return born

    def clean_email(self) -> str:
        """Contact data, unique within this clinic. Whether the address has a login
        anywhere is not checked, and never said: see clinic.invitations."""
        email = self.cleaned_data["email"].strip().lower()
        holder = Patient.objects.email_holder(self.clinic.pk, email, besides=self.instance.pk)
        if holder is not None:
            raise forms.ValidationError(_holding(holder))
        return email

    def email_taken_meanwhile(self) -> None:
        """Saved by another page after this one was checked (services.EmailTaken)."""
        self.add_error("email", EMAIL_IN_USE)


class NewPatientForm(SentOnce, PatientForm):
    """Adding a patient: the page is sent once (clinic.once), so a double click adds one.

    A patient of the clinic with the same name (accents and case aside) and date of birth
    is named, with a link to their record, and the new one is added only once the person
    adding says it is someone else: a second record splits one patient's sessions,
    measures and programs over two charts (found by the portal review, which added one)."""

    different_person = forms.BooleanField(
        required=False,
        widget=forms.HiddenInput,
        label=_("This is a different person with the same name and date of birth"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Above "Save patient" (the layout's last): ticked, then saved.
        self.helper.layout.fields.insert(-1, "different_person")
        self.helper.layout.append("once")

    def clean(self) -> dict:
        cleaned = super().clean()
        different = cleaned.pop("different_person", False)
        first, last = cleaned.get("first_name"), cleaned.get("last_name")
        born = cleaned.get("date_of_birth")
        if different or not (first and last and born):
            return cleaned
        same = [
            patient
            for patient in Patient.objects.filter(clinic=self.clinic, date_of_birth=born)
            if (folded(patient.first_name), folded(patient.last_name))
            == (folded(first), folded(last))
        ]
        if same:
            self.fields["different_person"].widget = forms.CheckboxInput()
            chart = reverse("patients:patient_chart", args=[same[0].uuid])
            self.add_error(
                None,
                format_html(
                    gettext(
                        "{name}, born {born}, is already a patient here: "
                        '<a href="{chart}">open their record</a>. If this is someone else, '
                        "tick the box below and save again."
                    ),
                    name=same[0].full_name,
                    born=date_format(born, "j M Y"),
                    chart=chart,
                ),
            )
        return cleaned


class CaseloadFilterForm(forms.Form):
    SORTS = [
        ("name", _("Name")),
        ("activity", _("Last activity")),
        ("adherence", _("Adherence (lowest first)")),
        ("flags", _("Open flags")),
    ]
    # Sorting and filtering by these would reveal clinical data to non-clinical staff.
    CLINICAL_SORTS = {"activity", "adherence", "flags"}
    q = forms.CharField(required=False, max_length=100, label=_("Search by name"))
    status = forms.ChoiceField(
        required=False, choices=[("active", _("Active")), ("archived", _("Archived"))]
    )
    sort = forms.ChoiceField(required=False, choices=SORTS)
    attention = forms.BooleanField(required=False)
    # Whose patients: the member's own (as clinician in charge) or the whole clinic's. No
    # user ids: a colleague's list would need the staff read on every page, and an id from
    # the URL would have to be checked against the clinic. Left out, the view chooses by
    # role (patients.views.records._default_clinician).
    MINE, EVERYONE = "mine", "everyone"
    clinician = forms.ChoiceField(
        required=False, choices=[(MINE, _("My patients")), (EVERYONE, _("Everyone"))]
    )

    def __init__(self, *args, clinical: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not clinical:
            self.fields["sort"].choices = [
                choice for choice in self.SORTS if choice[0] not in self.CLINICAL_SORTS
            ]
            del self.fields["attention"]
