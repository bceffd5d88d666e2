"""Admin-site permissions for the 管理员 role.

Administrators manage users, roles, series settings and the registry; they
get no rights over issue content, so the admin cannot bypass the sign-off.
Groups and permissions are left to superusers: a group is another way to
hand out powers.  Which rows are read-only for everybody is decided by the
model admins themselves (jianbao.core.admin_tools).
"""

from django.contrib.auth.backends import BaseBackend

ADMIN_APP_MODELS = {
    "auth": {"user"},
    "core": None,
    "network": None,
    "bulletins": {"series", "seriessection"},
}


class RoleBackend(BaseBackend):
    def has_perm(self, user_obj, perm, obj=None):
        from jianbao.core.models import Role
        from jianbao.core.roles import has_role

        if not has_role(user_obj, Role.ADMIN):
            return False
        app_label, _, codename = perm.partition(".")
        if app_label not in ADMIN_APP_MODELS:
            return False
        models = ADMIN_APP_MODELS[app_label]
        return models is None or codename.split("_", 1)[-1] in models

    def has_module_perms(self, user_obj, app_label):
        from jianbao.core.models import Role
        from jianbao.core.roles import has_role

        return has_role(user_obj, Role.ADMIN) and app_label in ADMIN_APP_MODELS
