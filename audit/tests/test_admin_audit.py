"""Every write made through the Django admin leaves an audit row naming the fields changed
(never their values), and API tokens cannot be brought back to life there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Area, Team
from accounts.tests.factories import AreaFactory, TeamFactory, UserFactory
from accounts.tokens import create_api_token
from audit.admin import AuditedModelAdmin
from audit.models import Event
from audit.tests.forms_on_page import form_values
from directory.models import Location, Organization
from directory.tests.factories import OrganizationFactory


@pytest.fixture
def root(db):
    return UserFactory(username="root", role="admin", team=None, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


def _change(admin_client, url, form_id, **changes):
    """Open the admin page, change some fields as a person would, and save."""
    page = admin_client.get(url)
    assert page.status_code == 200
    data = form_values(page.content.decode(), form_id)
    data.update(changes)
    data["_save"] = ["Save"]
    resp = admin_client.post(url, data)
    assert resp.status_code == 302, resp.context["adminform"].form.errors if resp.context else ""
    return resp


def _events(record, verb):
    return list(
        Event.objects.filter(record_type=record._meta.label, record_id=str(record.pk), verb=verb)
    )


def test_changing_a_users_role_and_team_records_who_changed_which_fields(
    admin_client, root, team, other_team
):
    user = UserFactory(username="jo", role="referrer", team=team)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    _change(admin_client, url, "user_form", role=["link_worker"], team=[str(other_team.pk)])

    user.refresh_from_db()
    assert (user.role, user.team) == ("link_worker", other_team)
    [event] = _events(user, "change")
    assert event.actor == root
    assert event.detail == {"via": "admin", "fields": ["role", "team"]}


def test_changing_a_users_groups_is_audited_as_a_field(admin_client, team):
    user = UserFactory(username="jo", role="link_worker", team=team)
    group = Group.objects.create(name="Reporting")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    _change(admin_client, url, "user_form", groups=[str(group.pk)])

    assert list(user.groups.all()) == [group]
    [event] = _events(user, "change")
    assert event.detail["fields"] == ["groups"]


def test_setting_a_password_in_the_admin_is_audited_without_the_password(admin_client, team):
    user = UserFactory(username="jo", role="link_worker", team=team)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    new = "a-long-new-passphrase-4821"
    data = form_values(admin_client.get(url).content.decode(), "user_form")
    data.update(password1=[new], password2=[new], **{"set-password": ["Change password"]})
    resp = admin_client.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    user.refresh_from_db()
    assert user.check_password(new)
    [event] = _events(user, "change")
    assert event.detail == {"via": "admin", "fields": ["password"]}
    assert new not in str(event.detail)


def test_adding_an_area_in_the_admin_is_audited(admin_client, root):
    url = reverse("admin:accounts_area_add")
    _change(admin_client, url, "area_form", code=["east"], name=["East"])

    area = Area.objects.get(code="east")
    [event] = _events(area, "create")
    assert event.actor == root and event.detail["via"] == "admin"
    assert set(event.detail["fields"]) == {"code", "name"}


def test_a_change_that_changes_nothing_still_says_who_saved(admin_client):
    area = AreaFactory(code="east", name="East")
    _change(admin_client, reverse("admin:accounts_area_change", args=[area.pk]), "area_form")
    [event] = _events(area, "change")
    assert event.detail == {"via": "admin", "fields": []}


def test_editing_a_team_records_field_names_not_values(admin_client, team):
    url = reverse("admin:accounts_team_change", args=[team.pk])
    _change(admin_client, url, "team_form", name=["North Primary Care Network"])

    [event] = _events(team, "change")
    assert event.detail["fields"] == ["name"]
    assert "North Primary" not in str(event.detail)


def test_changing_which_teams_serve_a_practice_is_audited(admin_client, north, team):
    practice = TeamFactory(area=north, name="Mill Lane Surgery", kind=Team.Kind.PRACTICE)
    url = reverse("admin:accounts_team_change", args=[practice.pk])
    _change(admin_client, url, "team_form", served_by=[str(team.pk)])

    assert list(practice.served_by.all()) == [team]
    [event] = _events(practice, "change")
    assert event.detail == {"via": "admin", "fields": ["served_by"]}


def test_deleting_an_organisation_in_the_admin_is_audited(admin_client, root):
    org = OrganizationFactory(name="Closed Charity")
    pk = str(org.pk)
    url = reverse("admin:directory_organization_delete", args=[org.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302

    assert not Organization.objects.filter(pk=pk).exists()
    [event] = Event.objects.filter(record_type="directory.Organization", record_id=pk)
    assert event.verb == "delete" and event.actor == root
    assert event.detail == {"via": "admin"}


def test_deleting_several_from_the_list_records_each_one(admin_client):
    places = [Location.objects.create(name=f"Hall {n}") for n in range(2)]
    url = reverse("admin:directory_location_changelist")
    resp = admin_client.post(
        url,
        {
            "action": "delete_selected",
            "_selected_action": [str(p.pk) for p in places],
            "post": "yes",
        },
    )
    assert resp.status_code == 302
    assert not Location.objects.exists()
    deleted = Event.objects.filter(record_type="directory.Location", verb="delete")
    assert sorted(e.record_id for e in deleted) == sorted(str(p.pk) for p in places)


def test_a_revoked_token_cannot_be_revived_in_the_admin(admin_client, team):
    owner = UserFactory(username="jo", role="link_worker", team=team)
    create_api_token(owner, name="laptop")
    row = ApiToken.objects.get(user=owner)
    revoked = timezone.now()
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=revoked)
    url = reverse("admin:accounts_apitoken_change", args=[row.pk])

    _change(
        admin_client,
        url,
        "apitoken_form",
        name=["renamed"],
        revoked_at_0=[""],
        revoked_at_1=[""],
        token_hash=["0" * 64],
        prefix=["srx_forged00"],
        last_used_at_0=[""],
    )

    row.refresh_from_db()
    assert row.name == "renamed"
    assert row.revoked_at == revoked and row.prefix != "srx_forged00"
    assert row.token_hash != "0" * 64
    [event] = _events(row, "change")
    assert event.detail["fields"] == ["name"]


def test_the_token_page_shows_its_secrets_and_dates_read_only(admin_client, team):
    owner = UserFactory(username="jo", role="link_worker", team=team)
    create_api_token(owner)
    row = ApiToken.objects.get(user=owner)
    page = admin_client.get(reverse("admin:accounts_apitoken_change", args=[row.pk]))
    fields = form_values(page.content.decode(), "apitoken_form")
    for name in ("token_hash", "prefix", "revoked_at", "last_used_at"):
        assert not any(f == name or f.startswith(f"{name}_") for f in fields), name


def test_tokens_are_revoked_from_the_list_and_that_is_audited(admin_client, root, team):
    owner = UserFactory(username="jo", role="link_worker", team=team)
    create_api_token(owner)
    row = ApiToken.objects.get(user=owner)
    resp = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [str(row.pk)]},
    )
    assert resp.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    [event] = _events(row, "change")
    assert event.actor == root and event.detail["revoked"] is True


def test_tokens_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_every_admin_that_can_write_is_audited(root):
    request = RequestFactory().get("/admin/")
    request.user = root
    unaudited = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, AuditedModelAdmin):
            continue
        writes = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if writes:
            unaudited.append(model._meta.label)
    assert unaudited == []


def test_a_failed_audit_write_undoes_the_admin_change(admin_client, team, monkeypatch):
    user = UserFactory(username="jo", role="referrer", team=team)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_values(admin_client.get(url).content.decode(), "user_form")

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("audit.admin.record_event", broken)
    data.update(role=["supervisor"], _save=["Save"])
    with pytest.raises(RuntimeError):
        admin_client.post(url, data)
    user.refresh_from_db()
    assert user.role == "referrer"
