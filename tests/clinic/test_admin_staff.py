"""The Django admin's clinic page: staff listed, not changed there (roles and access change
in the clinic's portal, through the audited services); a member the platform adds is
audited (found by the attack review: a role changed in the admin left no audit record, and
the only admin could be removed there)."""

from __future__ import annotations

from clinic.models import AuditEvent, Membership, User
from tests.conftest import client_for


def admin_page_data(page) -> dict:
    """What the clinic's change page sends as it stands: its fields and each inline's
    management form and rows."""
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if name != "logo"}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, 0)
        for row in formset.forms:
            for name, field in row.fields.items():
                value = row.initial.get(name, field.initial)
                if value not in (None, False):
                    data[row.add_prefix(name)] = getattr(value, "pk", value)
    return data


def change_page(clinic):
    root = User.objects.create_superuser("root@example.test", "the root's own passphrase")
    browser = client_for(root)
    url = f"/admin/clinic/clinic/{clinic.pk}/change/"
    page = browser.get(url)
    assert page.status_code == 200
    return browser, url, page


def prefix_of(page, model_field: str) -> str:
    """The prefix of the inline whose rows have `model_field` editable."""
    (prefix,) = [
        i.formset.prefix
        for i in page.context["inline_admin_formsets"]
        if model_field in i.formset.form.base_fields
    ]
    return prefix


def test_a_role_is_not_changed_in_the_admin(clinic_a, admin_a, clinician_a):
    browser, url, page = change_page(clinic_a)
    data = admin_page_data(page)
    # What a hand-made POST would send for the listed rows: the clinician made admin, the
    # only admin deactivated.
    listed = page.context["inline_admin_formsets"][0].formset
    for row in listed.forms:
        data[row.add_prefix("role")] = "admin"
        data.pop(row.add_prefix("is_active"), None)
    response = browser.post(url, data)
    assert response.status_code == 302
    assert Membership.objects.get(user=clinician_a).role == Membership.Role.CLINICIAN
    assert Membership.objects.get(user=admin_a).is_active
    assert not AuditEvent.objects.filter(action__startswith="staff.").exists()


def test_a_member_the_platform_adds_is_audited_in_the_clinics_log(clinic_a):
    browser, url, page = change_page(clinic_a)
    newcomer = User.objects.create_user("new.admin@example.test", "a long new passphrase")
    data = admin_page_data(page)
    prefix = prefix_of(page, "user")
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-0-user": newcomer.pk,
            f"{prefix}-0-role": Membership.Role.ADMIN,
        }
    )
    response = browser.post(url, data)
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer, clinic=clinic_a)
    event = AuditEvent.objects.get(action="staff.add")
    assert (event.clinic, event.target_user, event.actor_role) == (clinic_a, newcomer, "platform")
    assert event.object_id == str(membership.uuid)
