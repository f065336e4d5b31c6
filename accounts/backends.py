from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models.expressions import RawSQL


class EmailBackend(ModelBackend):
    """Log in by e-mail (any letter case); inactive users and organisations are refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        organization = user.organization
        return organization is None or organization.is_active

    def get_user(self, user_id):
        # Called on every request with a session: fetch the organisation, and the user's
        # permissions (their own and their role group's), in the same query, and drop the
        # session of a user deactivated since they logged in. The permissions are read afresh
        # on every request, like ModelBackend reads them, so a permission taken from a role
        # counts from the next request on: only two queries fewer.
        from accounts.models import User

        users = User.objects.select_related("organization").filter(pk=user_id)
        if connection.vendor in _AGGREGATE:
            users = users.annotate(
                own_permission_names=_permission_names("own"),
                group_permission_names=_permission_names("group"),
            )
        user = users.first()
        if user is None or not self.user_can_authenticate(user):
            return None
        if hasattr(user, "own_permission_names") and not user.is_superuser:
            # The caches ModelBackend._get_permissions fills on first use (a superuser's
            # are every permission, which it reads itself if ever asked).
            user._user_perm_cache = set((user.own_permission_names or "").split())
            user._group_perm_cache = set((user.group_permission_names or "").split())
        return user


# "app_label.codename" of each permission granted to the user row of the outer query,
# space-separated (neither part ever holds a space): their own, and their role group's.
_GRANTED = {
    "own": "SELECT permission_id FROM accounts_user_user_permissions"
    " WHERE user_id = accounts_user.id",
    "group": "SELECT gp.permission_id FROM auth_group_permissions gp"
    " JOIN accounts_user_groups ug ON ug.group_id = gp.group_id"
    " WHERE ug.user_id = accounts_user.id",
}
_AGGREGATE = {"postgresql": "string_agg", "sqlite": "group_concat"}


def _permission_names(granted: str) -> RawSQL:
    aggregate = _AGGREGATE[connection.vendor]
    return RawSQL(  # noqa: S611  (constant SQL, no parameters)
        f"SELECT {aggregate}(ct.app_label || '.' || p.codename, ' ')"  # noqa: S608
        " FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id"
        f" WHERE p.id IN ({_GRANTED[granted]})",
        [],
    )
