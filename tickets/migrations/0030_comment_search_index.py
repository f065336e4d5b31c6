"""Full-text search of the messages (tickets.search.search_console): a GIN index over the text.

The expression is the one `tickets.search.message_document()` builds, written out here because
a migration must not change when that code does. PostgreSQL only, built concurrently (the
messages stay writable), an INVALID leftover of an interrupted build dropped first. The
function reads a word's few matching messages' requests (one id a message) through this index alone (for a rare
word; a common one is checked on the newest requests' messages, row by row).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from proftiket.migration_ops import AddPostgresOnlyIndexConcurrently

FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_comment_search_ticket_ids(query tsquery, max_ids integer)
RETURNS bigint[] LANGUAGE sql STABLE
SET enable_seqscan = off SET enable_indexscan = off
AS $$
    SELECT coalesce(array_agg(ticket_id), '{}')
    FROM (SELECT ticket_id FROM tickets_comment
          WHERE to_tsvector('russian'::regconfig, COALESCE(body, '')) @@ query
          LIMIT max_ids) matches
$$
"""


def add_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def remove_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS tickets_comment_search_ticket_ids(tsquery, integer)"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0029_ticket_org_requester_statistics")]

    operations = [
        AddPostgresOnlyIndexConcurrently(
            model_name="comment",
            index=GinIndex(SearchVector("body", config="russian"), name="comment_search_fts"),
        ),
        migrations.RunPython(add_function, remove_function, atomic=True),
    ]
