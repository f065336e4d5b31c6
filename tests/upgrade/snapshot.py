"""A canonical text of every row of every table, to tell whether an upgrade kept the data.

PostgreSQL renders each row (`to_jsonb`) with fixed session settings (UTC, ISO dates and
intervals, hex bytea), so the same data gives the same text whatever the code that reads
it. Used by scripts/build-upgrade-fixture (the snapshot committed with a release's fixture)
and by tests/upgrade/verify.py (the same after `migrate` of the current code).

    python -m tests.upgrade.snapshot DSN OUTPUT.json
"""

import json
import sys
from pathlib import Path

import psycopg

SESSION = [
    "SET TIME ZONE 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'iso_8601'",
    "SET bytea_output = 'hex'",
    "SET extra_float_digits = 3",
]


def take(dsn: str) -> dict:
    """{table: {"key": [...], "columns": {name: type}, "rows": [row, ...]}} of the public schema."""
    tables = {}
    with psycopg.connect(dsn, autocommit=True) as connection, connection.cursor() as cursor:
        for statement in SESSION:
            cursor.execute(statement)
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
        for (table,) in cursor.fetchall():
            tables[table] = _table(cursor, table)
    return tables


def _table(cursor, table: str) -> dict:
    cursor.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        [f'"{table}"'],
    )
    columns = dict(cursor.fetchall())
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)",
        [f'"{table}"'],
    )
    key = [name for (name,) in cursor.fetchall()] or list(columns)
    order = ", ".join(f'"{name}"' for name in key)
    cursor.execute(f'SELECT to_jsonb(t) FROM "{table}" t ORDER BY {order}')  # noqa: S608
    return {"key": key, "columns": columns, "rows": [row for (row,) in cursor.fetchall()]}


def write(snapshot: dict, path: Path) -> None:
    """JSON with one row per line (readable diffs when a fixture is rebuilt)."""
    lines = ["{"]
    for n, (table, content) in enumerate(sorted(snapshot.items())):
        lines.append(f"  {json.dumps(table)}: {{")
        lines.append(f'    "key": {json.dumps(content["key"])},')
        lines.append(f'    "columns": {json.dumps(content["columns"], ensure_ascii=False)},')
        rows = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in content["rows"]]
        lines.append('    "rows": [' + ("\n      " + ",\n      ".join(rows) if rows else ""))
        lines.append("    ]")
        lines.append("  }" + ("," if n < len(snapshot) - 1 else ""))
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def compare(
    old: dict, new: dict, *, ignored_columns: dict, rows_may_go: dict
) -> tuple[list[str], int]:
    """What the upgrade lost or changed, and how many old rows were compared.

    Every old table must still exist; every old row (by primary key) must still be there,
    and every old column of it must still exist with the same value. New tables, columns and
    rows are fine. `ignored_columns` {(table, column): why} and `rows_may_go` {table: why} are
    the reviewed exceptions (tests/upgrade/expected_changes.py).
    """
    problems, compared = [], 0
    for table, before in sorted(old.items()):
        after = new.get(table)
        if after is None:
            problems.append(f"{table}: the table is gone ({len(before['rows'])} rows)")
            continue
        gone = [c for c in before["columns"] if c not in after["columns"]]
        for column in gone:
            if (table, column) not in ignored_columns:
                problems.append(f"{table}.{column}: the column is gone")
        key = before["key"]
        current = {tuple(row.get(k) for k in key): row for row in after["rows"]}
        changed = lost = 0
        for row in before["rows"]:
            compared += 1
            now = current.get(tuple(row[k] for k in key))
            if now is None:
                lost += 1
                if table not in rows_may_go and lost <= 5:
                    problems.append(f"{table}: row {_key_text(key, row)} is gone")
                continue
            for column, value in row.items():
                if (table, column) in ignored_columns or column in gone:
                    continue
                if now.get(column) != value:
                    changed += 1
                    if changed <= 5:
                        problems.append(
                            f"{table}: row {_key_text(key, row)}: {column} was {value!r}, "
                            f"is {now.get(column)!r}"
                        )
        if lost > 5 and table not in rows_may_go:
            problems.append(f"{table}: {lost} rows are gone in all")
        if changed > 5:
            problems.append(f"{table}: {changed} values changed in all")
    return problems, compared


def _key_text(key, row) -> str:
    return ", ".join(f"{k}={row[k]!r}" for k in key)


if __name__ == "__main__":
    dsn, output = sys.argv[1], Path(sys.argv[2])
    snapshot = take(dsn)
    write(snapshot, output)
    print(
        f"snapshot: {len(snapshot)} tables, {sum(len(t['rows']) for t in snapshot.values())} rows"
    )
