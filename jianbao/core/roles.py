"""Who may do what. Every view and service asks here, never a template alone."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from jianbao.core.models import Role, RoleGrant


def roles_of(user) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_jianbao_roles", None)
    if cached is None:
        cached = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
        user._jianbao_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def require_role(user, role: str) -> None:
    if not has_role(user, role):
        raise PermissionDenied(f"需要“{Role(role).label}”角色")


def grant_role(user, role: str, *, alliance=None, by=None) -> RoleGrant:
    """Grant a role; without ``by`` the system does it (bootstrap, test data), recorded as such.

    People grant roles through ``jianbao.core.services.grant_role``, which names them.
    """
    from jianbao.core import services

    return services.grant_role(user, role, by=by, alliance=alliance)


def users_with_role(role: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, role_grants__role=role).distinct()


def display_name(user) -> str:
    return (user.get_full_name() or user.get_username()).strip()
