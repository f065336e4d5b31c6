# The words of a request stored with it: a nullable tsvector column `search_document` on
# tickets_ticket, kept right by PostgreSQL itself (a trigger), so that a search reads a
# stored document instead of computing to_tsvector of every candidate row.
#
# Why not a GENERATED ... STORED column: adding one rewrites the whole table under an
# ACCESS EXCLUSIVE lock (6 min 14 s at 1M requests: no saving, no reading). Here:
# - ADD COLUMN of a nullable column without a default is a catalogue change (milliseconds);
# - the triggers fill the column for every request written from now on, by any code (this
#   release's, the previous release's still serving during the upgrade, a QuerySet.update());
# - 0025 fills the existing requests in batches, 0026 builds the GIN index concurrently.
#
# PostgreSQL only, and not in the model state on purpose: Django never reads or writes the
# column (a page loading requests does not carry their documents), tickets.search refers to it
# by name. SQLite (the quick start) has no column; its search is LIKE (tickets.search).
# The expression is written out here, not imported: a migration must not change when the
# code does. It is the one of tickets 0014's index (Django's SearchVector with weights).
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_ticket_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document :=
        setweight(to_tsvector('russian'::regconfig, COALESCE(NEW.subject, '')), 'A')
        || setweight(to_tsvector('russian'::regconfig, COALESCE(NEW.description, '')), 'B');
    RETURN NEW;
END
$$
"""
# The ids of at most `max_ids` requests whose document matches, read through the GIN index
# alone: the planner's other ways are switched off for this function's own statement (and are
# back as they were after it). tickets.search asks it for words that are rare, which the
# planner cannot tell from common ones (it would walk the whole table for them).
IDS_FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_ticket_search_ids(query tsquery, max_ids integer)
RETURNS bigint[] LANGUAGE sql STABLE
SET enable_seqscan = off SET enable_indexscan = off
AS $$
    SELECT coalesce(array_agg(id), '{}')
    FROM (SELECT id FROM tickets_ticket WHERE search_document @@ query LIMIT max_ids) matches
$$
"""
# Two triggers, one function: on insert always; on update only when the words changed (a
# status change saves every column, and recomputing the document each time is waste) or when
# the row has no document yet (written while 0025 was still filling).
TRIGGERS = [
    "DROP TRIGGER IF EXISTS ticket_search_document_insert ON tickets_ticket",
    "CREATE TRIGGER ticket_search_document_insert BEFORE INSERT ON tickets_ticket "
    "FOR EACH ROW EXECUTE FUNCTION tickets_ticket_search_document()",
    "DROP TRIGGER IF EXISTS ticket_search_document_update ON tickets_ticket",
    "CREATE TRIGGER ticket_search_document_update BEFORE UPDATE ON tickets_ticket "
    "FOR EACH ROW WHEN (NEW.subject IS DISTINCT FROM OLD.subject "
    "OR NEW.description IS DISTINCT FROM OLD.description OR NEW.search_document IS NULL) "
    "EXECUTE FUNCTION tickets_ticket_search_document()",
]


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A short lock: give up rather than queue every request of the site behind a long query
    # (the upgrade then fails and is simply rerun).
    schema_editor.execute("SET LOCAL lock_timeout = '10s'")
    schema_editor.execute(
        "ALTER TABLE tickets_ticket ADD COLUMN IF NOT EXISTS search_document tsvector NULL"
    )
    schema_editor.execute(FUNCTION)
    schema_editor.execute(IDS_FUNCTION)
    for statement in TRIGGERS:
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A derived column: everything in it is computed from subject and description.
    for trigger in ("ticket_search_document_insert", "ticket_search_document_update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON tickets_ticket")
    schema_editor.execute("DROP FUNCTION IF EXISTS tickets_ticket_search_document()")
    schema_editor.execute("DROP FUNCTION IF EXISTS tickets_ticket_search_ids(tsquery, integer)")
    schema_editor.execute("ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_document")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0024_attachment_uploader_created")]

    operations = [migrations.RunPython(add, remove)]
