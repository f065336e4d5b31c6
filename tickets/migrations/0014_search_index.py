"""Full-text search of requests in Russian (tickets.search): pg_trgm and a GIN index.

The index's expression is the one `tickets.search.document()` builds; it is written out here
because a migration must not change when that code does. PostgreSQL only, built concurrently.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from proftiket.migration_ops import AddPostgresOnlyIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0013_event_outbox_pending")]

    operations = [
        # Trusted since PostgreSQL 13: the database's owner may create it.
        TrigramExtension(),
        AddPostgresOnlyIndexConcurrently(
            model_name="ticket",
            index=GinIndex(
                SearchVector("subject", weight="A", config="russian")
                + SearchVector("description", weight="B", config="russian"),
                name="ticket_search_fts",
            ),
        ),
    ]
