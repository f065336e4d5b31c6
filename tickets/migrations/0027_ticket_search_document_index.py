# The GIN index of the stored search document (0024, filled by 0025), built CONCURRENTLY: the
# requests table stays writable. Built after the filling, so that 0025's updates do not each
# go through a GIN insertion. PostgreSQL only, and out of the model state like the column.
# An interrupted build leaves an INVALID index behind: it is dropped and built again.
from django.db import migrations

from proftiket.migration_ops import _drop_invalid_leftover

NAME = "ticket_search_document"


def build(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _drop_invalid_leftover(schema_editor, NAME)
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON tickets_ticket "
        "USING gin (search_document)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0026_ticket_search_document_fill")]

    operations = [migrations.RunPython(build, drop)]
