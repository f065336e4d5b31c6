"""Django's database sessions, read with SQL composed once per process (SESSION_ENGINE).

Every logged-in request reads its session before anything else; composing that one query
through the ORM (`Session.objects.get(session_key=…, expire_date__gt=now)`) cost more CPU than
running it. The same query, with the same expiry condition, is written here once per process
and database; creating, saving, cycling and deleting sessions stay Django's own.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

_SQL: dict[str, str] = {}  # database alias -> the session_data of an unexpired session


class SessionStore(db.SessionStore):
    def load(self):
        data = self._unexpired_session_data()
        if data is None:
            self._session_key = None  # as Django's store: a new key when saved
            return {}
        return self.decode(data)

    def _unexpired_session_data(self) -> str | None:
        alias = router.db_for_read(self.model)
        database = connections[alias]
        sql = _SQL.get(alias)
        if sql is None:
            quote = database.ops.quote_name
            table = self.model._meta
            sql = _SQL[alias] = (
                f"SELECT {quote(table.get_field('session_data').column)}"  # noqa: S608
                f" FROM {quote(table.db_table)}"
                f" WHERE {quote(table.get_field('session_key').column)} = %s"
                f" AND {quote(table.get_field('expire_date').column)} > %s"
            )
        now = database.ops.adapt_datetimefield_value(timezone.now())
        with database.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        return row[0] if row else None
