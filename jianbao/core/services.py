"""Role grants and revocations: the only way roles change, each one recorded.

The rules that keep the sign-off honest live here, not in the admin forms:
only the system, a superuser or a 管理员 grants or revokes roles, and a
管理员 never grants a role to itself (no desk role, and not the admin role
either), so nobody raises their own powers.  Superusers are trusted with
everything and may grant themselves roles.
"""

from __future__ import annotations

from django.db import transaction

from jianbao.core.errors import JianbaoError
from jianbao.core.history import record
from jianbao.core.models import Role, RoleGrant


class RoleRefused(JianbaoError):
    """A grant or revocation the rules do not allow; nothing was changed."""


def _forget_cached_roles(user) -> None:
    user.__dict__.pop("_jianbao_roles", None)


def _is_superuser(user) -> bool:
    return bool(user is not None and user.is_active and user.is_superuser)


def check_authority(by) -> None:
    """``by`` may change roles: the system (None), an active superuser or a 管理员."""
    from jianbao.core.roles import has_role

    if by is None or _is_superuser(by) or has_role(by, Role.ADMIN):
        return
    raise RoleRefused("只有管理员或超级用户可以授予或撤销角色")


def check_grant(user, role: str, *, by, alliance=None) -> None:
    """Raise RoleRefused unless ``by`` may give ``user`` this role; writes nothing.

    ``user`` may be an account not saved yet (the admin's add form).
    """
    if role not in Role.values:
        raise RoleRefused(f"没有“{role}”这个角色")
    check_authority(by)
    if (
        by is not None
        and not _is_superuser(by)
        and user is not None
        and user.pk is not None
        and user.pk == by.pk
    ):
        raise RoleRefused(
            f"管理员不能给自己授予角色（“{Role(role).label}”）：请另一位管理员或超级用户办理"
        )
    if role == Role.SUBMITTER and alliance is None:
        raise RoleRefused("“联盟秘书处”角色须选择所属联盟")
    if role != Role.SUBMITTER and alliance is not None:
        raise RoleRefused(f"只有“联盟秘书处”角色选择所属联盟，“{Role(role).label}”不选")


def _grant_data(grant: RoleGrant) -> dict:
    return {"role": grant.role, "alliance": grant.alliance_id, "grant": grant.pk}


@transaction.atomic
def grant_role(user, role: str, *, by, alliance=None) -> RoleGrant:
    """Give ``user`` the role (``by=None``: the system); a role already held is left as it is."""
    check_grant(user, role, by=by, alliance=alliance)
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role, alliance=alliance)
    if created:
        suffix = f"（{alliance}）" if alliance is not None else ""
        record(
            "core.role.grant",
            by=by,
            subject=user,
            comment=f"授予“{Role(role).label}”角色{suffix}",
            data=_grant_data(grant),
        )
    _forget_cached_roles(user)
    return grant


@transaction.atomic
def revoke_role(grant: RoleGrant, *, by) -> None:
    """Take one role away again; the history row keeps what it was."""
    check_authority(by)
    # Read it again: the caller's copy may be stale or half-filled by a form.
    grant = RoleGrant.objects.select_related("user", "alliance").filter(pk=grant.pk).first()
    if grant is None:
        return  # already revoked
    user = grant.user
    data = _grant_data(grant)
    suffix = f"（{grant.alliance}）" if grant.alliance_id else ""
    record(
        "core.role.revoke",
        by=by,
        subject=user,
        comment=f"撤销“{grant.get_role_display()}”角色{suffix}",
        data=data,
    )
    RoleGrant.objects.filter(pk=grant.pk).delete()
    _forget_cached_roles(user)
