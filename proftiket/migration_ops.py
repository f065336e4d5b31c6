"""Migration operations that keep an upgrade from locking the big tables.

`CREATE INDEX` on PostgreSQL blocks every write to the table until the index is built: on
the requests table of a large installation that is minutes of a portal that cannot save.
`CREATE INDEX CONCURRENTLY` builds it while writes go on, but cannot run inside a
transaction, so the migration that uses these operations says `atomic = False` and holds
nothing else that needs one. On SQLite (the quick start) they are the plain operations.

    from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres

    class Migration(migrations.Migration):
        atomic = False
        dependencies = [("tickets", "0009_…")]
        operations = [
            AddIndexConcurrentlyOnPostgres(
                model_name="ticket",
                index=models.Index(fields=["type", "created_at"], name="ticket_type_created"),
            ),
        ]

`scripts/check-migrations` requires them for new indexes on LARGE_TABLES.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations

# Tables that grow with every request, message and history line: an index built on them
# with a lock stops the service for as long as the build takes.
LARGE_TABLES = frozenset(
    {"tickets_ticket", "tickets_ticketevent", "tickets_comment", "tickets_attachment"}
)


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _drop_invalid_leftover(schema_editor, name: str) -> None:
    """A CONCURRENTLY build that was interrupted (a killed upgrade) leaves an INVALID index of
    that name behind, and a second try would fail on it: drop it so the rerun succeeds."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND c.relnamespace = to_regnamespace(current_schema()) "
            "AND NOT i.indisvalid",
            [name],
        )
        invalid = cursor.fetchone() is not None
    if invalid:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """AddIndex built with CREATE INDEX CONCURRENTLY on PostgreSQL, a plain AddIndex elsewhere.

    The migration must be non-atomic (`atomic = False`); on PostgreSQL it refuses to run
    inside a transaction. Safe to rerun after an interrupted build.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        self._ensure_not_in_transaction(schema_editor)
        _drop_invalid_leftover(schema_editor, self.index.name)
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Create index {self.index.name} on {self.model_name} (concurrently on PostgreSQL)"


class AddPostgresOnlyIndexConcurrently(AddIndexConcurrentlyOnPostgres):
    """An index only PostgreSQL has (GIN over `to_tsvector`, pg_trgm), built concurrently there;
    nothing at all on SQLite.

    It stays out of the model state (`Meta.indexes`): SQLite rebuilds a table on many schema
    changes and would then try to create it. The code whose queries need it names it and uses
    the same expression (see tickets.search), and a test checks that PostgreSQL's plan uses it.
    """

    def state_forwards(self, app_label, state):
        pass  # not in the model state, on purpose (see above)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            return
        self._ensure_not_in_transaction(schema_editor)
        _drop_invalid_leftover(schema_editor, self.index.name)
        model = to_state.apps.get_model(app_label, self.model_name)
        schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            return
        self._ensure_not_in_transaction(schema_editor)
        model = from_state.apps.get_model(app_label, self.model_name)
        schema_editor.remove_index(model, self.index, concurrently=True)

    def reduce(self, operation, app_label):
        return False  # never folded into the model state by squashing

    def describe(self):
        return (
            f"Create index {self.index.name} on {self.model_name} (PostgreSQL only, concurrently)"
        )


class RemoveIndexConcurrentlyOnPostgres(RemoveIndexConcurrently):
    """RemoveIndex with DROP INDEX CONCURRENTLY on PostgreSQL, a plain RemoveIndex elsewhere.

    Its reverse builds the index concurrently again. The migration must be non-atomic.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            migrations.RemoveIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            migrations.RemoveIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        self._ensure_not_in_transaction(schema_editor)
        _drop_invalid_leftover(schema_editor, self.name)
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Remove index {self.name} from {self.model_name} (concurrently on PostgreSQL)"
