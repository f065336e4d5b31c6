"""SQLite, the embedded quick-start database, made to match PostgreSQL where users notice.

Searches that use `icontains` (LIKE) on SQLite: the admin's search boxes (organisations,
people, contracts, reply templates) everywhere, and on the quick start also the requests'
search (tickets.search falls back to LIKE there: SQLite has no Russian full-text search).
SQLite's own LIKE folds the case of ASCII letters only, so "маршрутизатор" would miss
"Маршрутизатор"; the LIKE installed here folds every alphabet, as PostgreSQL's UPPER/LIKE does.

Reconsidered when full-text search took over the requests' search on PostgreSQL (issue 13):
it stays, because those LIKE searches remain on SQLite. It is global (every LIKE of the
connection) rather than a function the searches call, so that Django's own `icontains` in
the admin gets it too; on PostgreSQL it is never installed.
"""

import re
from functools import lru_cache

from django.db.backends.signals import connection_created


@lru_cache(maxsize=256)
def _like_pattern(pattern: str, escape: str) -> re.Pattern:
    parts, escaped = [], False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == escape:
            escaped = True
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL | re.IGNORECASE)


def _like(pattern, value, escape="\\"):
    # SQLite's own LIKE ignores case for ASCII letters only: "маршрутизатор" would not find
    # "Маршрутизатор". This LIKE ignores case in every alphabet, as PostgreSQL's UPPER/LIKE does.
    if pattern is None or value is None:
        return None
    return _like_pattern(pattern, escape).fullmatch(str(value)) is not None


def _install_unicode_like(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("like", 2, _like, deterministic=True)
        connection.connection.create_function("like", 3, _like, deterministic=True)


def install():
    connection_created.connect(_install_unicode_like, dispatch_uid="proftiket_sqlite_like")
