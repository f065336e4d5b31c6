from dataclasses import dataclass

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver


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
        # Called on every request with a session: fetch the organisation, and the ids of the
        # user's permissions (their own and their role group's), in the same query, and drop
        # the session of a user deactivated since they logged in. The grants are read afresh
        # on every request, like ModelBackend reads them, so a permission taken from a role
        # counts from the next request on: only two queries fewer. The query's SQL is composed
        # once per process (_SignedInUserQuery): composing it through the ORM cost more CPU
        # than anything else a logged-in request does before its view.
        from accounts.models import User

        alias = router.db_for_read(User)
        if connections[alias].vendor not in _AGGREGATE:
            user = User.objects.select_related("organization").filter(pk=user_id).first()
            granted = None
        else:
            user, granted = _SignedInUserQuery.for_database(alias).fetch(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        if granted is not None and not user.is_superuser:
            # The caches ModelBackend._get_permissions fills on first use (a superuser's
            # are every permission, which it reads itself if ever asked).
            own, group = granted
            user._user_perm_cache = _permission_names(alias, own)
            user._group_perm_cache = _permission_names(alias, group)
        return user


def _permission_names(alias: str, granted: str | None) -> set[str]:
    """The names ("app_label.codename") of the space-separated permission ids.

    The names of all permissions (a few hundred rows that only migrations change) are read
    once per process: naming them in the user's query made PostgreSQL plan and run two more
    joins on every request (about twice the time of the query without them). Read again when
    an id is not known (a permission added since), and after `migrate` or a permission saved
    here.
    """
    if not granted:
        return set()  # a customer: no permission, nothing to read
    ids = [int(pk) for pk in granted.split()]
    names = _PERMISSION_NAMES.get(alias)
    if names is None or any(pk not in names for pk in ids):
        from django.contrib.auth.models import Permission

        rows = Permission.objects.using(alias).values_list(
            "pk", "content_type__app_label", "codename"
        )
        names = _PERMISSION_NAMES[alias] = {pk: f"{app}.{codename}" for pk, app, codename in rows}
    return {names[pk] for pk in ids if pk in names}


_PERMISSION_NAMES: dict[str, dict[int, str]] = {}  # by database alias


@receiver(post_migrate)
@receiver(post_save, sender="auth.Permission")
@receiver(post_delete, sender="auth.Permission")
@receiver(post_save, sender="contenttypes.ContentType")
def _forget_permission_names(**kwargs) -> None:
    _PERMISSION_NAMES.clear()


# The ids of the permissions granted to the user row of the outer query, space-separated:
# their own, and their role group's.
_GRANTED = {
    "own": "SELECT permission_id FROM accounts_user_user_permissions"
    " WHERE user_id = accounts_user.id",
    "group": "SELECT gp.permission_id FROM auth_group_permissions gp"
    " JOIN accounts_user_groups ug ON ug.group_id = gp.group_id"
    " WHERE ug.user_id = accounts_user.id",
}
_AGGREGATE = {"postgresql": "string_agg", "sqlite": "group_concat"}


def _permission_ids_sql(granted: str, vendor: str) -> str:
    column, rest = _GRANTED[granted].removeprefix("SELECT ").split(" FROM ", 1)
    return f"SELECT {_AGGREGATE[vendor]}(CAST({column} AS TEXT), ' ') FROM {rest}"  # noqa: S608


@dataclass(frozen=True)
class _SignedInUserQuery:
    """The user, their organisation and their permission ids in one row, by primary key.

    What `User.objects.select_related("organization").annotate(…).filter(pk=…)` reads, with
    its SQL and the columns' converters worked out once per process and database from the
    models' fields (so a field added by a migration is read too), and the instances built as
    the ORM builds them (Model.from_db, the organisation cached on the user).
    """

    alias: str
    sql: str
    user_fields: tuple[str, ...]  # attnames, in the models' order
    organization_fields: tuple[str, ...]
    organization_pk: int  # index of the organisation's primary key among its fields
    converters: tuple  # (column index, converter functions, column expression)

    @classmethod
    def for_database(cls, alias: str) -> "_SignedInUserQuery":
        query = _COMPOSED.get(alias)
        if query is None:
            query = _COMPOSED[alias] = cls._compose(alias)
        return query

    @classmethod
    def _compose(cls, alias: str) -> "_SignedInUserQuery":
        from accounts.models import Organization, User

        database = connections[alias]
        quote = database.ops.quote_name
        users, organizations = User._meta.db_table, Organization._meta.db_table
        columns = [field.get_col(users) for field in User._meta.concrete_fields]
        columns += [field.get_col(organizations) for field in Organization._meta.concrete_fields]
        converters = []
        for index, column in enumerate(columns):
            functions = database.ops.get_db_converters(column) + column.get_db_converters(database)
            if functions:
                converters.append((index, tuple(functions), column))
        select = ", ".join(f"{quote(c.alias)}.{quote(c.target.column)}" for c in columns)
        organization = User._meta.get_field("organization")
        sql = (
            f"SELECT {select}, ({_permission_ids_sql('own', database.vendor)}),"  # noqa: S608
            f" ({_permission_ids_sql('group', database.vendor)})"
            f" FROM {quote(users)} LEFT OUTER JOIN {quote(organizations)}"
            f" ON {quote(users)}.{quote(organization.column)}"
            f" = {quote(organizations)}.{quote(organization.target_field.column)}"
            f" WHERE {quote(users)}.{quote(User._meta.pk.column)} = %s"
        )
        return cls(
            alias=alias,
            sql=sql,
            user_fields=tuple(f.attname for f in User._meta.concrete_fields),
            organization_fields=tuple(f.attname for f in Organization._meta.concrete_fields),
            organization_pk=Organization._meta.concrete_fields.index(Organization._meta.pk),
            converters=tuple(converters),
        )

    def fetch(self, user_id):
        """(the user with their organisation, (own, group) permission ids), or (None, None)."""
        from accounts.models import Organization, User

        database = connections[self.alias]
        with database.cursor() as cursor:
            cursor.execute(self.sql, [User._meta.pk.get_prep_value(user_id)])
            row = cursor.fetchone()
        if row is None:
            return None, None
        row = list(row)
        for index, functions, column in self.converters:
            for function in functions:
                row[index] = function(row[index], column, database)
        split = len(self.user_fields)
        end = split + len(self.organization_fields)
        user = User.from_db(self.alias, self.user_fields, row[:split])
        organization = None
        if row[split + self.organization_pk] is not None:  # NULL: no organisation
            values = row[split:end]
            organization = Organization.from_db(self.alias, self.organization_fields, values)
        User._meta.get_field("organization").set_cached_value(user, organization)
        return user, (row[end], row[end + 1])


_COMPOSED: dict[str, _SignedInUserQuery] = {}  # by database alias, once per process
