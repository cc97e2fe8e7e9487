from __future__ import annotations

from datetime import date

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from clinic.models import Membership, User
from patients.models import Patient

phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-.]{6,32}$",
    "Enter a phone number using digits, spaces, brackets or dashes, like +1 555 010 0199.",
)

MAX_AGE_YEARS = 120


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "preferred_language",
            "clinician",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"email": "The patient logs in with this address. Optional."}

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = membership.clinic
        self.fields["phone"].validators.append(phone_validator)
        self.fields["clinician"].queryset = User.objects.filter(
            memberships__clinic=self.clinic, memberships__is_active=True, is_active=True
        ).order_by("full_name")
        self.fields["clinician"].empty_label = "Not assigned"
        if not self.instance.pk:
            self.fields["clinician"].initial = membership.user_id
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("first_name"), Column("last_name")),
            Row(Column("date_of_birth"), Column("preferred_language")),
            Row(Column("email"), Column("phone")),
            "clinician",
            Submit("save", "Save patient"),
        )

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self) -> str:
        return self.cleaned_data["last_name"].strip()

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born < today.replace(year=today.year - MAX_AGE_YEARS):
            raise forms.ValidationError("Check the year: that would make the patient over 120.")
        return born

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if not email:
            if self.instance.pk and self.instance.user_id:
                raise forms.ValidationError(
                    "This patient logs in with their e-mail address, so it cannot be removed."
                )
            return email
        clash = Patient.objects.filter(clinic=self.clinic, email__iexact=email)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another patient of this clinic already uses this e-mail.")
        other_login = User.objects.filter(email__iexact=email)
        if self.instance.user_id:
            other_login = other_login.exclude(pk=self.instance.user_id)
            if other_login.exists():
                raise forms.ValidationError("This e-mail address belongs to another login.")
        return email


class CaseloadFilterForm(forms.Form):
    SORTS = [
        ("name", "Name"),
        ("activity", "Last activity"),
        ("adherence", "Adherence (lowest first)"),
        ("flags", "Open flags"),
    ]
    q = forms.CharField(required=False, max_length=100, label="Search by name")
    status = forms.ChoiceField(
        required=False, choices=[("active", "Active"), ("archived", "Archived")]
    )
    sort = forms.ChoiceField(required=False, choices=SORTS)
    attention = forms.BooleanField(required=False)
