"""The rules of scripts/check-migrations: no data lost, no big table locked, releases intact."""

import sys
import types

import pytest
from django.apps import apps
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres
from proftiket.migration_safety import (
    ERROR,
    WARNING,
    check_migration,
    check_project,
    file_checksum,
    migration_file,
    read_released,
)


def migration(*operations, atomic=True, reviewed=None, monkeypatch=None, app="tickets"):
    """A migration of `app` in a module of its own (where the DATA_LOSS_REVIEWED marker is)."""
    module = types.ModuleType(f"fake_migrations_{id(operations)}")
    if reviewed is not None:
        module.DATA_LOSS_REVIEWED = reviewed
    cls = type("Migration", (migrations.Migration,), {"__module__": module.__name__})
    instance = cls("0999_test", app)
    instance.operations = list(operations)
    instance.atomic = atomic
    if monkeypatch is not None:
        monkeypatch.setitem(sys.modules, module.__name__, module)
    return instance


def findings(*operations, **kwargs):
    state = ProjectState.from_apps(apps)
    return [(f.level, f.message) for f in check_migration(migration(*operations, **kwargs), state)]


def levels(*operations, **kwargs):
    return [level for level, _message in findings(*operations, **kwargs)]


def test_removing_a_column_is_an_error():
    [(level, message)] = findings(migrations.RemoveField("ticket", "technical_details"))

    assert level == ERROR
    assert "tickets_ticket.technical_details" in message
    assert "DATA_LOSS_REVIEWED" in message


def test_deleting_a_table_is_an_error():
    assert levels(migrations.DeleteModel("Attachment")) == [ERROR]


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE tickets_ticket DROP COLUMN subject",
        "drop table tickets_comment",
        ["SELECT 1", ("TRUNCATE tickets_ticketevent", None)],
        "DELETE FROM accounts_user WHERE is_active = false",
    ],
)
def test_raw_sql_that_drops_or_deletes_is_an_error(sql):
    assert levels(migrations.RunSQL(sql, migrations.RunSQL.noop)) == [ERROR]


def test_raw_sql_that_only_adds_is_fine():
    assert levels(migrations.RunSQL("CREATE TABLE dropbox (id int)", "DROP TABLE dropbox")) == []


def test_a_reviewed_marker_turns_the_loss_into_a_warning_that_names_the_review(monkeypatch):
    reason = "the column was never filled (see #42); reviewed by Anna, 2027-01-10"
    [(level, message)] = findings(
        migrations.RemoveField("ticket", "technical_details"),
        reviewed=reason,
        monkeypatch=monkeypatch,
    )

    assert level == WARNING
    assert reason in message


def test_an_empty_marker_is_not_a_review(monkeypatch):
    result = findings(migrations.RemoveField("ticket", "technical_details"), reviewed="  ",
                      monkeypatch=monkeypatch)  # fmt: skip

    assert [level for level, _m in result] == [ERROR]
    assert "must say why" in result[0][1]


def test_a_plain_index_on_a_large_table_is_an_error():
    index = models.Index(fields=["type"], name="ticket_type")

    [(level, message)] = findings(migrations.AddIndex("ticket", index))

    assert level == ERROR
    assert "AddIndexConcurrentlyOnPostgres" in message


def test_a_concurrent_index_in_a_non_atomic_migration_is_fine():
    index = models.Index(fields=["type"], name="ticket_type")

    assert levels(AddIndexConcurrentlyOnPostgres("ticket", index), atomic=False) == []


def test_a_concurrent_index_in_an_atomic_migration_is_an_error():
    index = models.Index(fields=["kind"], name="event_kind")

    [(level, message)] = findings(AddIndexConcurrentlyOnPostgres("ticketevent", index))

    assert level == ERROR
    assert "atomic = False" in message


def test_djangos_postgresql_only_operation_is_refused_because_sqlite_runs_migrations_too():
    index = models.Index(fields=["type"], name="ticket_type")

    assert levels(AddIndexConcurrently("ticket", index), atomic=False) == [ERROR]


def test_a_plain_index_on_a_small_table_is_fine():
    index = models.Index(fields=["name"], name="plan_name")

    assert levels(migrations.AddIndex("supportplan", index), app="sla") == []


def test_a_new_foreign_key_on_a_large_table_is_an_error_unless_unindexed():
    def key(**options):
        return models.ForeignKey("accounts.User", models.PROTECT, null=True, **options)

    assert levels(migrations.AddField("comment", "editor", key())) == [ERROR]
    assert levels(migrations.AddField("comment", "editor", key(db_index=False))) == []


def test_indexes_of_a_table_created_in_the_same_migration_are_fine():
    created = migrations.CreateModel("Reaction", [("id", models.BigAutoField(primary_key=True))])
    index = models.Index(fields=["id"], name="reaction_id")

    assert levels(created, migrations.AddIndex("reaction", index)) == []


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (models.CharField(max_length=100), "narrows max_length from 200 to 100"),
        (models.IntegerField(default=0), "changes type"),
        (models.CharField(max_length=300), None),
    ],
)
def test_narrowing_or_retyping_a_field_is_a_warning(field, expected):
    result = findings(migrations.AlterField("ticket", "subject", field))

    if expected is None:
        assert result == []
    else:
        assert [level for level, _m in result] == [WARNING]
        assert expected in result[0][1]


def test_forbidding_null_is_a_warning():
    field = models.DateTimeField()

    assert levels(migrations.AlterField("ticket", "resolved_at", field)) == [WARNING]


def test_removing_a_field_only_from_the_state_loses_nothing():
    operation = migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RemoveField("ticket", "technical_details")]
    )

    assert levels(operation) == []


@pytest.fixture(scope="module")
def loader():
    return MigrationLoader(None, ignore_no_migrations=True)


def released_as_shipped(loader):
    return {key: file_checksum(migration_file(m)) for key, m in loader.disk_migrations.items()}


def test_the_project_as_released_has_no_findings(loader):
    released = released_as_shipped(loader)

    assert check_project(loader, apps={"tickets", "sla", "accounts"}, released=released) == []


def test_an_edited_released_migration_is_an_error(loader):
    released = released_as_shipped(loader)
    released["tickets", "0001_initial"] = "0" * 64

    [finding] = check_project(loader, apps={"tickets"}, released=released)

    assert (finding.migration, finding.level) == ("tickets.0001_initial", ERROR)
    assert "edited" in finding.message


def test_a_removed_released_migration_is_an_error(loader):
    released = released_as_shipped(loader)
    released["tickets", "0003_gone"] = "0" * 64

    [finding] = check_project(loader, apps={"tickets"}, released=released)

    assert "removed" in finding.message


def test_new_migrations_are_checked_and_released_ones_are_not(loader):
    released = released_as_shipped(loader)
    del released["tickets", "0008_report_indexes"]  # as if it had not shipped yet

    result = check_project(loader, apps={"tickets"}, released=released)

    assert {f.migration for f in result} == {"tickets.0008_report_indexes"}
    assert all(f.level == ERROR and "AddIndex" in f.message for f in result)


def test_the_released_list_is_read_from_every_release_fixture(tmp_path):
    (tmp_path / "0.1").mkdir()
    (tmp_path / "0.1" / "migrations.txt").write_text("# app name sha256\ntickets 0001_x aa\n")
    (tmp_path / "0.2").mkdir()
    (tmp_path / "0.2" / "migrations.txt").write_text("tickets 0001_x aa\nsla 0002_y bb\n")

    assert read_released(tmp_path) == {("tickets", "0001_x"): "aa", ("sla", "0002_y"): "bb"}
