"""The concurrent index operations, on whichever database the suite runs (CI runs both)."""

import pytest
from django.apps import apps
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import NotSupportedError, connection, migrations, models
from django.db.migrations.state import ProjectState
from django.test.utils import CaptureQueriesContext

from proftiket.migration_ops import (
    AddIndexConcurrentlyOnPostgres,
    AddPostgresOnlyIndexConcurrently,
    RemoveIndexConcurrentlyOnPostgres,
)

pytestmark = pytest.mark.django_db(transaction=True)
on_postgresql = connection.vendor == "postgresql"
INDEX = models.Index(fields=["author", "created_at"], name="test_comment_author_created")


def indexes_of_comments() -> dict:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tickets_comment")
    return {name: info for name, info in constraints.items() if info["index"]}


@pytest.fixture
def states():
    """The project state without and with the test index; the index is gone afterwards."""
    without = ProjectState.from_apps(apps)
    with_index = without.clone()
    migrations.AddIndex("comment", INDEX).state_forwards("tickets", with_index)
    yield without, with_index
    with connection.schema_editor(atomic=False) as editor:
        editor.execute(f"DROP INDEX IF EXISTS {editor.quote_name(INDEX.name)}")


def run(operation, *, forwards, states, atomic=False) -> list[str]:
    """Apply the operation (or its reverse) as a migration of that atomicity would; the SQL."""
    without, with_index = states
    if isinstance(operation, RemoveIndexConcurrentlyOnPostgres):
        with_index, without = without, with_index
    with (
        CaptureQueriesContext(connection) as queries,
        connection.schema_editor(atomic=atomic) as editor,
    ):
        if forwards:
            operation.database_forwards("tickets", editor, without, with_index)
        else:
            operation.database_backwards("tickets", editor, with_index, without)
    return [query["sql"] for query in queries.captured_queries]


def test_adding_builds_the_index_concurrently_on_postgresql_and_plainly_on_sqlite(states):
    sql = run(AddIndexConcurrentlyOnPostgres("comment", INDEX), forwards=True, states=states)

    assert INDEX.name in indexes_of_comments()
    creating = [statement for statement in sql if "CREATE INDEX" in statement]
    assert len(creating) == 1
    assert ("CONCURRENTLY" in creating[0]) == on_postgresql


def test_reversing_an_added_index_drops_it(states):
    operation = AddIndexConcurrentlyOnPostgres("comment", INDEX)
    run(operation, forwards=True, states=states)

    sql = run(operation, forwards=False, states=states)

    assert INDEX.name not in indexes_of_comments()
    dropping = [statement for statement in sql if "DROP INDEX" in statement]
    assert len(dropping) == 1
    assert ("CONCURRENTLY" in dropping[0]) == on_postgresql


def test_removing_drops_the_index_and_its_reverse_builds_it_again(states):
    run(AddIndexConcurrentlyOnPostgres("comment", INDEX), forwards=True, states=states)
    operation = RemoveIndexConcurrentlyOnPostgres("comment", INDEX.name)

    sql = run(operation, forwards=True, states=states)
    assert INDEX.name not in indexes_of_comments()
    assert ("CONCURRENTLY" in " ".join(sql)) == on_postgresql

    run(operation, forwards=False, states=states)
    assert INDEX.name in indexes_of_comments()


@pytest.mark.skipif(not on_postgresql, reason="SQLite has no concurrent index builds")
def test_on_postgresql_an_atomic_migration_is_refused(states):
    with pytest.raises(NotSupportedError, match="inside a transaction"):
        run(AddIndexConcurrentlyOnPostgres("comment", INDEX), forwards=True, states=states,
            atomic=True)  # fmt: skip

    assert INDEX.name not in indexes_of_comments()


@pytest.mark.skipif(on_postgresql, reason="PostgreSQL refuses it (the test above)")
def test_on_sqlite_an_atomic_migration_is_fine(states):
    run(AddIndexConcurrentlyOnPostgres("comment", INDEX), forwards=True, states=states,
        atomic=True)  # fmt: skip

    assert INDEX.name in indexes_of_comments()


@pytest.mark.skipif(not on_postgresql, reason="invalid indexes exist on PostgreSQL only")
def test_a_rerun_after_an_interrupted_build_replaces_the_invalid_leftover(states):
    # What a killed CREATE INDEX CONCURRENTLY leaves behind: an index marked invalid.
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE INDEX "{INDEX.name}" ON tickets_comment (author_id)')
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [INDEX.name]
        )

    run(AddIndexConcurrentlyOnPostgres("comment", INDEX), forwards=True, states=states)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indexrelid = %s::regclass",
            [INDEX.name],
        )
        valid, definition = cursor.fetchone()
    assert valid
    assert "(author_id, created_at)" in definition


GIN = GinIndex(SearchVector("body", config="russian"), name="test_comment_body_fts")


@pytest.fixture
def gin_cleanup():
    yield
    if on_postgresql:
        with connection.schema_editor(atomic=False) as editor:
            editor.execute(f"DROP INDEX IF EXISTS {editor.quote_name(GIN.name)}")


def test_a_postgres_only_index_is_built_concurrently_there_and_nothing_happens_on_sqlite(
    gin_cleanup,
):
    operation = AddPostgresOnlyIndexConcurrently("comment", GIN)
    state = ProjectState.from_apps(apps)
    after = state.clone()
    operation.state_forwards("tickets", after)
    # Not in the model state: SQLite, rebuilding the table, would try to create it.
    assert after.models["tickets", "comment"].options.get("indexes", []) == state.models[
        "tickets", "comment"
    ].options.get("indexes", [])

    with (
        CaptureQueriesContext(connection) as queries,
        connection.schema_editor(atomic=False) as editor,
    ):
        operation.database_forwards("tickets", editor, state, after)
    sql = [query["sql"] for query in queries.captured_queries]
    if not on_postgresql:
        assert not any("INDEX" in statement for statement in sql)
        return
    assert GIN.name in indexes_of_comments()
    assert any("CREATE INDEX CONCURRENTLY" in statement for statement in sql)

    with connection.schema_editor(atomic=False) as editor:
        operation.database_backwards("tickets", editor, after, state)
    assert GIN.name not in indexes_of_comments()
