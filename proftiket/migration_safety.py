"""Rules for migrations written after a release: an upgrade never loses data or locks a big table.

`scripts/check-migrations` applies them in CI to every migration of ProfTicket's own apps
that no release has shipped yet (the released ones are listed per release in
tests/upgrade/fixtures/<release>/migrations.txt, with a checksum: a released migration is
never edited or removed).

Errors:
- a column or a table is dropped (RemoveField, DeleteModel, RunSQL with DROP COLUMN/TABLE,
  TRUNCATE or DELETE FROM), unless the migration module says why it is fine and who
  agreed, in a module-level string: DATA_LOSS_REVIEWED = "why; reviewed by whom, when";
- an index is built on one of the large tables with a lock (AddIndex, or a new field with
  an index: db_index, a ForeignKey) instead of AddIndexConcurrentlyOnPostgres;
- a concurrent operation in an atomic migration (it needs `atomic = False`).
Warnings (printed, not fatal): a field narrowed or retyped, NULL forbidden on an existing
column, a unique constraint or a locking index removal on a large table.
"""

import hashlib
import inspect
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

from proftiket.migration_ops import LARGE_TABLES

MARKER = "DATA_LOSS_REVIEWED"
ERROR, WARNING = "error", "warning"
LOSS_ADVICE = (
    "data would be lost on upgrade; if that is intended, say why and who reviewed it in "
    f"the migration module: {MARKER} = '…'"
)
DROPPING_SQL = re.compile(
    r"\bDROP\s+(?:COLUMN|TABLE)\b|\bTRUNCATE\b|\bDELETE\s+FROM\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    migration: str
    level: str
    message: str

    def __str__(self):
        return f"{self.level}: {self.migration}: {self.message}"


def file_checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def migration_file(migration) -> Path:
    return Path(inspect.getsourcefile(sys.modules[migration.__module__]))


def read_released(fixtures: Path) -> dict[tuple[str, str], str]:
    """{(app, migration name): checksum} of every migration some release shipped."""
    released = {}
    for listing in sorted(fixtures.glob("*/migrations.txt")):
        for line in listing.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                app, name, checksum = line.split()
                released[app, name] = checksum
    return released


def check_project(loader, *, apps: set[str], released: dict) -> list[Finding]:
    """Every finding for the project's apps: released migrations intact, new ones safe."""
    findings = []
    replaced = {key for m in loader.disk_migrations.values() for key in (m.replaces or [])}
    for (app, name), checksum in sorted(released.items()):
        if app not in apps:
            continue
        migration = loader.disk_migrations.get((app, name))
        label = f"{app}.{name}"
        if migration is None:
            if (app, name) not in replaced:
                findings.append(Finding(label, ERROR, "a released migration was removed"))
        elif file_checksum(migration_file(migration)) != checksum:
            findings.append(
                Finding(label, ERROR, "a released migration was edited: add a new migration")
            )
    for key in sorted(loader.disk_migrations):
        if key[0] in apps and key not in released:
            state = loader.project_state(key, at_end=False)
            findings += check_migration(loader.disk_migrations[key], state)
    return findings


def check_migration(migration, state) -> list[Finding]:
    """The findings for one migration, given the project state just before it."""
    label = f"{migration.app_label}.{migration.name}"
    reviewed = getattr(sys.modules.get(migration.__module__), MARKER, None)
    if reviewed is not None and not (isinstance(reviewed, str) and reviewed.strip()):
        return [Finding(label, ERROR, f"{MARKER} must say why and who reviewed it")]
    findings = []
    app = migration.app_label
    created = set()  # tables created by this migration are empty: their indexes lock nothing
    for operation in migration.operations:
        if isinstance(operation, migrations.CreateModel):
            created.add(operation.name_lower)
        for database_operation in _database_operations([operation]):
            for level, message in _judge(app, database_operation, state, migration, created):
                if level == "loss" and reviewed:
                    level, message = WARNING, f"{message} (reviewed: {reviewed})"
                elif level == "loss":
                    level, message = ERROR, f"{message}: {LOSS_ADVICE}"
                findings.append(Finding(label, level, message))
        operation.state_forwards(app, state)
    return findings


def _database_operations(operations: Iterable) -> Iterator:
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from _database_operations(operation.database_operations)
        else:
            yield operation


def _table(state, app: str, model_name: str) -> str:
    model_state = state.models.get((app, model_name.lower()))
    default = f"{app}_{model_name.lower()}"
    return (model_state.options.get("db_table") if model_state else None) or default


def _indexed(field) -> bool:
    # A ForeignKey has db_index=True unless it says otherwise.
    return bool(field.db_index or field.unique)


def _judge(app, operation, state, migration, created) -> Iterator[tuple[str, str]]:
    """(level, message) pairs; the level "loss" is an error unless the migration is reviewed."""
    concurrent = (AddIndexConcurrently, RemoveIndexConcurrently)
    if isinstance(operation, concurrent) and migration.atomic:
        yield ERROR, f"{type(operation).__name__} needs a non-atomic migration (atomic = False)"
    if getattr(operation, "model_name_lower", None) in created:
        return
    if isinstance(operation, migrations.RemoveField):
        table = _table(state, app, operation.model_name)
        yield "loss", f"RemoveField drops the column {table}.{operation.name}"
    elif isinstance(operation, migrations.DeleteModel):
        yield "loss", f"DeleteModel drops the table {_table(state, app, operation.name)}"
    elif isinstance(operation, migrations.RunSQL):
        for statement in _sql_texts(operation.sql):
            if match := DROPPING_SQL.search(statement):
                yield "loss", f"RunSQL runs {match.group(0).upper()}"
    elif isinstance(operation, migrations.AddIndex):
        yield from _judge_add_index(app, operation, state)
    elif isinstance(operation, migrations.RemoveIndex):
        table = _table(state, app, operation.model_name)
        if table in LARGE_TABLES and not isinstance(operation, RemoveIndexConcurrently):
            message = (
                f"RemoveIndex {operation.name} on {table} waits for a lock on the table: "
                "prefer RemoveIndexConcurrentlyOnPostgres in a non-atomic migration"
            )
            yield WARNING, message
    elif isinstance(operation, migrations.AddField | migrations.AlterField):
        yield from _judge_field(app, operation, state)
    elif isinstance(operation, migrations.AddConstraint):
        table = _table(state, app, operation.model_name)
        if table in LARGE_TABLES and isinstance(operation.constraint, models.UniqueConstraint):
            message = (
                f"the unique constraint {operation.constraint.name} builds an index on {table} "
                "under a lock"
            )
            yield WARNING, message


def _judge_add_index(app, operation, state):
    table = _table(state, app, operation.model_name)
    if table not in LARGE_TABLES:
        return
    if type(operation) is AddIndexConcurrently:
        message = (
            f"AddIndexConcurrently fails on SQLite: use "
            f"proftiket.migration_ops.AddIndexConcurrentlyOnPostgres for {operation.index.name}"
        )
        yield ERROR, message
    elif not isinstance(operation, AddIndexConcurrently):
        message = (
            f"AddIndex {operation.index.name} locks {table} while it is built: use "
            "proftiket.migration_ops.AddIndexConcurrentlyOnPostgres in a non-atomic migration"
        )
        yield ERROR, message


def _judge_field(app, operation, state):
    table = _table(state, app, operation.model_name)
    model_state = state.models.get((app, operation.model_name_lower))
    old = model_state.fields.get(operation.name) if model_state else None
    new = operation.field
    if table in LARGE_TABLES and _indexed(new) and not (old is not None and _indexed(old)):
        message = (
            f"{table}.{operation.name} gets an index built under a lock: declare the field "
            "with db_index=False and add the index with AddIndexConcurrentlyOnPostgres in a "
            "non-atomic migration"
        )
        yield ERROR, message
    if not isinstance(operation, migrations.AlterField) or old is None:
        return
    where = f"{table}.{operation.name}"
    if old.get_internal_type() != new.get_internal_type():
        message = (
            f"{where} changes type ({old.get_internal_type()} → {new.get_internal_type()}): "
            "check that every existing value converts without loss"
        )
        yield WARNING, message
    for attribute in ("max_length", "max_digits", "decimal_places"):
        before, after = getattr(old, attribute, None), getattr(new, attribute, None)
        if before is not None and after is not None and after < before:
            yield WARNING, f"{where} narrows {attribute} from {before} to {after}"
    if old.null and not new.null:
        yield WARNING, f"{where} becomes NOT NULL: the upgrade fails if a row holds NULL"


def _sql_texts(sql) -> Iterator[str]:
    if isinstance(sql, str):
        yield sql
    elif isinstance(sql, list | tuple):
        for item in sql:
            yield item[0] if isinstance(item, list | tuple) else item


def project_apps() -> set[str]:
    """The labels of ProfTicket's own apps (not the installed packages)."""
    from django.apps import apps
    from django.conf import settings

    base = Path(settings.BASE_DIR).resolve()
    return {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(config.path).parts
    }


def main(fixtures: Path | None = None) -> int:
    """Print the findings; 1 when there is an error."""
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    fixtures = fixtures or Path(settings.BASE_DIR) / "tests" / "upgrade" / "fixtures"
    released = read_released(fixtures)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    apps = project_apps()
    findings = check_project(loader, apps=apps, released=released)
    for finding in findings:
        print(finding, file=sys.stderr if finding.level == ERROR else sys.stdout)
    new = sum(1 for key in loader.disk_migrations if key[0] in apps and key not in released)
    errors = sum(1 for finding in findings if finding.level == ERROR)
    print(
        f"migrations: {len(released)} released (per {fixtures.name}/*/migrations.txt), "
        f"{new} new checked; {errors} errors, {len(findings) - errors} warnings"
    )
    return 1 if errors else 0
