from __future__ import annotations

import functools
import zoneinfo

from allauth.account.forms import LoginForm as AllauthLoginForm
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic.edits import SeenVersion
from clinic.emergency import EMERGENCY_HELP
from clinic.lib.images import SanitizedImageField
from clinic.models import Clinic, Membership
from clinic.once import SentOnce, new_token
from clinic.services import logo_version
from clinic.validators import phone_validator


class StaffInviteForm(SentOnce):
    full_name = forms.CharField(max_length=150, label=gettext_lazy("Full name"))
    email = forms.EmailField(max_length=254, label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.CLINICIAN,
        label=gettext_lazy("Role"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("invite", _("Send invitation")))

    def clean_full_name(self) -> str:
        return self.cleaned_data["full_name"].strip()


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, label=gettext_lazy("Role"))


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, saying so when the account's sign-ins are paused."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # allauth links "Forgot your password?" here too; the page has its own link.
        self.fields["password"].help_text = ""

    def clean(self) -> dict:
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "limber_throttled", False):
                raise forms.ValidationError(THROTTLED) from None
            raise


THROTTLED = (
    "Too many failed sign-ins for this account. Wait 15 minutes, or sign in with a code "
    "sent to your e-mail."
)


class InvitationPasswordForm(SetPasswordForm):
    """The password for a login made by accepting an invitation. `user` is unsaved: it
    exists for the password validators (not too like the e-mail or name). `once` is the
    page's one-save token (clinic/once.py), read by the view."""

    once = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["once"].initial = new_token()
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password1"].help_text = CHOOSING_ADVICE
        self.fields["new_password2"].label = _("Type it again")
        self.fields["new_password2"].help_text = ""
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Set password and sign in"), css_class="w-100"))

    def clean(self) -> dict:
        # A password that is too weak is a fault of the first box, not of "Type it again".
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


@functools.cache
def time_zone_names() -> frozenset[str]:
    # available_timezones() walks the tz database's folders: about 20 ms a call.
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(name for name in time_zone_names() if "/" in name and "Etc/" not in name)
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


CHOOSING_ADVICE = gettext_lazy(
    "At least 12 characters. A passphrase is easiest: a few ordinary words you will "
    "remember, with spaces, such as “blue kettle morning walk”."
)


class ClinicSettingsForm(SeenVersion, forms.ModelForm):
    """Two admins may have the page open at once: a save over settings changed since the
    page was opened is refused (clinic.edits), and the fields the admin left alone take
    the colleague's values."""

    merges_untouched = True
    saved_by_text = gettext_lazy(
        "{who} saved the clinic settings at {when}, after you opened this page. Nothing of "
        "yours is saved yet."
    )
    saved_text = gettext_lazy(
        "The clinic settings were saved at {when}, after you opened this page. Nothing of "
        "yours is saved yet."
    )
    now_says_text = gettext_lazy("The settings now say: {fields}.")
    logo = SanitizedImageField(
        required=False,
        label=gettext_lazy("Logo"),
        help_text=gettext_lazy(
            "JPEG, PNG or WebP, up to 5 MB. Printed at the top of every handout page."
        ),
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "phone",
            "email",
            "timezone",
            "emergency_region",
            "paper_size",
            "handout_shows_birth_date",
            "handout_footer",
        ]
        labels = {
            "name": gettext_lazy("Name"),
            "address": gettext_lazy("Address"),
            "phone": gettext_lazy("Phone"),
            "timezone": gettext_lazy("Timezone"),
            "paper_size": gettext_lazy("Paper size"),
            "handout_footer": gettext_lazy("Handout footer"),
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "timezone": forms.Select}
        help_texts = {
            "timezone": gettext_lazy("Defines “today” for your patients' schedules."),
            "emergency_region": gettext_lazy(
                "Where your patients get urgent help: every stop box and handout says to "
                "call this number or go there."
            ),
        }

    # The logo the page showed: a new one sent from a page older than a colleague's new
    # logo is refused (clinic_update), not put over theirs unseen.
    logo_seen = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo_seen"].initial = logo_version(self.instance)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save", _("Save clinic settings")))
        # A list rather than a box to type in: "Europe/London" is easy to mistype.
        choices = time_zone_choices()
        current = self.instance.timezone if self.instance else ""
        if current and current not in {value for value, _label in choices}:
            choices = [(current, current), *choices]
        self.fields["timezone"].widget.choices = choices
        # Each region with the number and place it prints: "United Kingdom: 999, A&E".
        self.fields["emergency_region"].choices = [
            (code, f"{_(help.region)}: {help.number}, {_(help.place)}")
            for code, help in EMERGENCY_HELP.items()
        ]

    def edited_meanwhile(self, current: Clinic) -> None:
        """As SeenVersion's, and the page now knows the logo saved since: the admin asked
        to choose their logo again is not refused again for it."""
        super().edited_meanwhile(current)
        data = self.data.copy()
        data[self.add_prefix("logo_seen")] = logo_version(current)
        self.data = data

    def clean_name(self) -> str:
        # The name goes into e-mail subjects and printed headers: one line of text.
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the clinic's name."))
        if any(ord(char) < 32 or ord(char) == 127 for char in name):
            raise forms.ValidationError(_("Use letters, numbers and punctuation only."))
        return name

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        if name not in time_zone_names():
            raise forms.ValidationError(
                _("Enter a time zone name such as Europe/London or America/Chicago.")
            )
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone:
            phone_validator(phone)
        return phone


class ApiTokenForm(SentOnce):
    """A new API token: a name, what it may do (the capability table), when it expires."""

    name = forms.CharField(max_length=80, help_text=gettext_lazy("What uses it, e.g. “EHR sync”."))
    scope = forms.MultipleChoiceField(
        label=gettext_lazy("What it may do"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Choose only the capabilities listed.")},
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Two years at most."),
    )

    def __init__(self, *args, **kwargs) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from clinic.capabilities import CAPABILITIES

        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            (name, f"{name}: {text}") for name, text in CAPABILITIES.items()
        ]
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=365)
        self.helper = FormHelper()
        # The page wraps the fields in its own form (with its one-save token).
        self.helper.form_tag = False
        self.helper.add_input(Submit("create", _("Create token")))

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_expires_on(self):
        from datetime import timedelta

        from django.utils import timezone

        day = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError(_("Choose a day after today."))
        if day > today + timedelta(days=729):
            raise forms.ValidationError(_("A token may last two years at most."))
        return day
