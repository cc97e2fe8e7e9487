from __future__ import annotations

import re
import zoneinfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import SetPasswordForm

from clinic.images import SanitizedImageField
from clinic.models import Clinic, Membership

PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]{6,32}$")


class StaffInviteForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(max_length=254, label="E-mail")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.CLINICIAN)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("invite", "Send invitation"))

    def clean_full_name(self) -> str:
        return self.cleaned_data["full_name"].strip()


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class InvitationPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields["new_password2"].label = "Type it again"
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Set password and sign in", css_class="w-100"))


class ClinicSettingsForm(forms.ModelForm):
    logo = SanitizedImageField(
        required=False,
        help_text="JPEG, PNG or WebP, up to 5 MB. Printed at the top of every handout page.",
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "phone",
            "email",
            "timezone",
            "paper_size",
            "handout_shows_birth_date",
            "handout_footer",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "timezone": "Defines “today” for your patients' schedules, e.g. Europe/London."
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save", "Save clinic settings"))

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        if name not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                "Enter a time zone name such as Europe/London or America/Chicago."
            )
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                "Enter a phone number using digits, spaces, brackets or dashes."
            )
        return phone
