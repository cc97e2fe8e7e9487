from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import SetPasswordForm

from clinic.models import Membership


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
