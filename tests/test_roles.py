"""Roles cannot be raised from inside: the 管理员 role manages other people only.

Only a superuser makes superusers or staff; a 管理员 can neither tick those
boxes nor give itself a desk role or the admin role.  Every grant and
revocation goes through ``jianbao.core.services`` and leaves a history row.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from jianbao.core.errors import JianbaoError
from jianbao.core.models import HistoryEvent, Role, RoleGrant
from jianbao.core.roles import has_role
from tests.factories import AllianceFactory, person
from tests.test_admin_lockdown import admin_form

pytestmark = pytest.mark.django_db

DESK_ROLES = ["editor", "reviewer", "signer", "submitter"]


def administrator(username="boss"):
    """A 管理员 with access to the admin site, as a superuser would set one up."""
    user = person(username, "admin", name="王管理")
    user.is_staff = True
    user.save()
    return user


def superuser(username="root"):
    return get_user_model().objects.create_superuser(username, "", "pw-pw-pw-pw")


@pytest.fixture
def alliance():
    return AllianceFactory(name="粉末冶金产业技术创新战略联盟")


def _inline_grant(data, role, alliance=None):
    """Fill the first empty row of the role inline on the user form."""
    total = int(data["role_grants-TOTAL_FORMS"][0])
    data[f"role_grants-{total}-role"] = [role]
    data[f"role_grants-{total}-alliance"] = [str(alliance.pk) if alliance else ""]
    data["role_grants-TOTAL_FORMS"] = [str(total + 1)]
    return data


# --- finding 2, reproduced through the admin forms ------------------------------


def test_an_administrator_cannot_make_itself_a_superuser(client, database_fingerprint):
    boss = administrator()
    client.force_login(boss)
    url = reverse("admin:auth_user_change", args=[boss.pk])
    data = admin_form(
        client,
        url,
        is_superuser="on",
        is_staff="on",
        user_permissions=[],
        groups=[],
    )
    before = database_fingerprint()
    assert client.post(url, data).status_code == 403
    assert database_fingerprint() == before
    boss.refresh_from_db()
    assert not boss.is_superuser
    # The form offers none of those fields, and saving it as offered changes no power.
    data = admin_form(client, url, first_name="王管理员")
    assert client.post(url, data).status_code == 302
    boss.refresh_from_db()
    assert boss.first_name == "王管理员" and not boss.is_superuser and boss.is_staff
    page = client.get(url).content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page
    assert 'name="user_permissions"' not in page and 'name="groups"' not in page


@pytest.mark.parametrize("role", DESK_ROLES)
def test_an_administrator_cannot_grant_itself_a_role_on_its_user_page(
    client, database_fingerprint, alliance, role
):
    boss = administrator()
    client.force_login(boss)
    url = reverse("admin:auth_user_change", args=[boss.pk])
    data = _inline_grant(admin_form(client, url), role, alliance if role == "submitter" else None)
    before = database_fingerprint()
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the refusal
    assert "不能给自己授予角色" in response.content.decode()
    assert database_fingerprint() == before
    assert not has_role(get_user_model().objects.get(pk=boss.pk), role)


@pytest.mark.parametrize("role", DESK_ROLES)
def test_an_administrator_cannot_grant_itself_a_role_on_the_roles_page(
    client, database_fingerprint, alliance, role
):
    boss = administrator()
    client.force_login(boss)
    url = reverse("admin:core_rolegrant_add")
    data = admin_form(
        client,
        url,
        user=str(boss.pk),
        role=role,
        alliance=str(alliance.pk) if role == "submitter" else "",
    )
    before = database_fingerprint()
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不能给自己授予角色" in response.content.decode()
    assert database_fingerprint() == before


def test_an_administrator_cannot_move_someone_elses_grant_to_itself(client, database_fingerprint):
    boss = administrator()
    signer = person("signer", "signer")
    grant = signer.role_grants.get()
    client.force_login(boss)
    url = reverse("admin:core_rolegrant_change", args=[grant.pk])
    assert client.get(url).status_code == 200  # readable
    before = database_fingerprint()
    response = client.post(url, {"user": boss.pk, "role": "signer", "_save": "1"})
    assert response.status_code == 403
    assert database_fingerprint() == before


def test_an_administrator_creates_users_but_never_superusers_or_staff(client, database_fingerprint):
    boss = administrator()
    client.force_login(boss)
    url = reverse("admin:auth_user_add")
    account = {
        "username": "newcomer",
        "password1": "a-long-enough-password-1",
        "password2": "a-long-enough-password-1",
        "usable_password": "true",
    }
    before = database_fingerprint()
    tampered = admin_form(client, url, **account, is_superuser="on", is_staff="on")
    assert client.post(url, tampered).status_code == 403
    assert database_fingerprint() == before
    response = client.post(url, admin_form(client, url, **account))
    assert response.status_code == 302, response.content.decode()[:3000]
    newcomer = get_user_model().objects.get(username="newcomer")
    assert not newcomer.is_superuser and not newcomer.is_staff
    event = HistoryEvent.objects.get(action="auth.user.add")
    assert event.actor == boss and event.subject_id == str(newcomer.pk)


def test_an_administrator_cannot_touch_a_superuser_or_another_administrator(
    client, database_fingerprint
):
    boss = administrator()
    root = superuser()
    colleague = administrator("colleague")
    client.force_login(boss)
    before = database_fingerprint()
    for target in (root, colleague):
        change = reverse("admin:auth_user_change", args=[target.pk])
        assert client.get(change).status_code == 200  # still readable
        assert client.post(change, {"username": "taken", "_save": "1"}).status_code == 403
        password = reverse("admin:auth_user_password_change", args=[target.pk])
        response = client.post(
            password, {"password1": "hijacked-pass-123", "password2": "hijacked-pass-123"}
        )
        assert response.status_code == 403
        delete = reverse("admin:auth_user_delete", args=[target.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    assert database_fingerprint() == before


def test_an_administrator_sets_no_password_of_a_desk_role_holder(client, database_fingerprint):
    boss = administrator()
    signer = person("signer", "signer")
    newcomer = person("newcomer")
    client.force_login(boss)
    new_password = {"password1": "Another-pass-2026", "password2": "Another-pass-2026"}
    new_password["set_usable_password"] = "true"
    before = database_fingerprint()
    url = reverse("admin:auth_user_password_change", args=[signer.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, new_password).status_code == 403
    assert database_fingerprint() == before
    # An account without a role (one just created, say) is the 管理员's to set.
    url = reverse("admin:auth_user_password_change", args=[newcomer.pk])
    assert client.post(url, new_password).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.check_password("Another-pass-2026")
    event = HistoryEvent.objects.get(action="auth.user.change", subject_id=str(newcomer.pk))
    assert event.actor == boss and "Another-pass" not in str(event.data)


def test_groups_and_permissions_are_for_superusers_only(client, database_fingerprint):
    client.force_login(administrator())
    before = database_fingerprint()
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    response = client.post(reverse("admin:auth_group_add"), {"name": "后门", "_save": "1"})
    assert response.status_code == 403
    assert database_fingerprint() == before


# --- what administrators may do, recorded ---------------------------------------


def test_an_administrator_grants_and_revokes_roles_of_other_people(client, alliance):
    boss = administrator()
    clerk = person("clerk", name="张秘书")
    client.force_login(boss)
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    data = _inline_grant(admin_form(client, url), "submitter", alliance)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    grant = RoleGrant.objects.get(user=clerk)
    assert grant.role == "submitter" and grant.alliance == alliance
    event = HistoryEvent.objects.get(action="core.role.grant", subject_id=str(clerk.pk))
    assert event.actor == boss
    assert event.data == {"role": "submitter", "alliance": alliance.pk, "grant": grant.pk}
    # And takes it away again, by ticking 删除 on the row.
    data = admin_form(client, url, **{"role_grants-0-DELETE": "on"})
    assert client.post(url, data).status_code == 302
    assert not RoleGrant.objects.filter(user=clerk).exists()
    event = HistoryEvent.objects.get(action="core.role.revoke")
    assert event.actor == boss and event.subject_id == str(clerk.pk)
    assert event.data == {"role": "submitter", "alliance": alliance.pk, "grant": grant.pk}


def test_revoking_on_the_roles_page_is_recorded(client):
    boss = administrator()
    editor = person("ed", "editor")
    grant = editor.role_grants.get()
    client.force_login(boss)
    delete = reverse("admin:core_rolegrant_delete", args=[grant.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    # The bulk action goes through the same service.
    other = person("ed2", "editor").role_grants.get()
    response = client.post(
        reverse("admin:core_rolegrant_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert response.status_code == 302
    revoked = HistoryEvent.objects.filter(action="core.role.revoke", actor=boss)
    assert sorted(e.data["grant"] for e in revoked) == sorted([grant.pk, other.pk])


def test_deleting_an_account_revokes_its_roles_on_the_record(client):
    boss = administrator()
    leaver = person("leaver", "editor", "reviewer")
    client.force_login(boss)
    delete = reverse("admin:auth_user_delete", args=[leaver.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not get_user_model().objects.filter(username="leaver").exists()
    revoked = HistoryEvent.objects.filter(action="core.role.revoke", actor=boss)
    assert sorted(e.data["role"] for e in revoked) == ["editor", "reviewer"]
    assert HistoryEvent.objects.filter(action="auth.user.delete", actor=boss).count() == 1


def test_a_superuser_may_still_make_superusers_and_grant_itself_roles(client):
    root = superuser()
    someone = person("someone")
    client.force_login(root)
    url = reverse("admin:auth_user_change", args=[someone.pk])
    data = admin_form(client, url, is_superuser="on", is_staff="on")
    assert client.post(url, data).status_code == 302
    someone.refresh_from_db()
    assert someone.is_superuser and someone.is_staff
    own = reverse("admin:auth_user_change", args=[root.pk])
    assert client.post(own, _inline_grant(admin_form(client, own), "signer")).status_code == 302
    assert has_role(get_user_model().objects.get(pk=root.pk), "signer")


# --- the service itself ---------------------------------------------------------


def test_the_service_refuses_self_grants_and_non_administrators(alliance):
    from jianbao.core.services import grant_role, revoke_role

    boss = administrator()
    editor = person("ed", "editor")
    clerk = person("clerk")
    for role in [*DESK_ROLES, "admin"]:
        with pytest.raises(JianbaoError, match="不能给自己授予角色"):
            grant_role(boss, role, by=boss, alliance=alliance if role == "submitter" else None)
    with pytest.raises(JianbaoError, match="管理员"):
        grant_role(clerk, "reviewer", by=editor)
    with pytest.raises(JianbaoError, match="管理员"):
        revoke_role(boss.role_grants.get(), by=editor)
    with pytest.raises(JianbaoError, match="所属联盟"):
        grant_role(clerk, "submitter", by=boss)
    with pytest.raises(JianbaoError, match="所属联盟"):
        grant_role(clerk, "editor", by=boss, alliance=alliance)
    with pytest.raises(JianbaoError, match="角色"):
        grant_role(clerk, "root", by=boss)
    assert not RoleGrant.objects.filter(user=clerk).exists()
    assert not HistoryEvent.objects.filter(actor__in=[boss, editor]).exists()


def test_a_grant_and_its_history_row_commit_together(alliance):
    from jianbao.core.services import grant_role, revoke_role

    boss = administrator()
    clerk = person("clerk")
    grant = grant_role(clerk, "submitter", by=boss, alliance=alliance)
    assert has_role(clerk, "submitter")  # the cached roles were dropped
    # Granting what is already held changes nothing and records nothing.
    assert grant_role(clerk, "submitter", by=boss, alliance=alliance) == grant
    assert HistoryEvent.objects.filter(action="core.role.grant", actor=boss).count() == 1
    revoke_role(grant, by=boss)
    assert not has_role(clerk, "submitter")
    assert HistoryEvent.objects.filter(action="core.role.revoke", actor=boss).count() == 1


def test_system_grants_without_an_actor_are_recorded_as_the_system():
    from jianbao.core.roles import grant_role

    user = person("plain")
    grant_role(user, Role.EDITOR)
    event = HistoryEvent.objects.get(action="core.role.grant", subject_id=str(user.pk))
    assert event.actor is None and event.actor_name == "系统"


# --- finding 3: bootstrap --------------------------------------------------------


def test_bootstrap_makes_an_administrator_not_a_superuser(cli, client):
    result = cli("bootstrap")
    assert result.status == 0, result.stderr
    admin = get_user_model().objects.get(username="admin")
    assert not admin.is_superuser and admin.is_staff
    assert has_role(admin, Role.ADMIN)
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    password = result.stdout.split("密码：")[1].split()[0]
    login = client.post(reverse("login"), {"username": "admin", "password": password})
    assert login.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:bulletins_issue_changelist")).status_code == 403
    # A second run finds the administrator and creates nobody.
    assert cli("bootstrap").stdout == ""
    assert get_user_model().objects.count() == 1


def test_a_superuser_remains_possible_with_createsuperuser(cli, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password-1")
    result = cli("createsuperuser", "--noinput", "--username", "root", "--email", "")
    assert result.status == 0, result.stderr
    assert get_user_model().objects.get(username="root").is_superuser
