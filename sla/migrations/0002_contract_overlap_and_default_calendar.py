from datetime import time

from django.db import migrations

# At most one contract per organisation at any moment, enforced by the database itself:
# an exclusion constraint on PostgreSQL, triggers on the embedded SQLite.
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE sla_contract ADD CONSTRAINT sla_contract_no_overlap
       EXCLUDE USING gist (organization_id WITH =,
                           daterange(starts_on, ends_on, '[]') WITH &&)""",
]
POSTGRES_DOWN = ["ALTER TABLE sla_contract DROP CONSTRAINT IF EXISTS sla_contract_no_overlap"]

_SQLITE_CHECK = """
  SELECT RAISE(ABORT, 'sla_contract_no_overlap')
  WHERE EXISTS (
    SELECT 1 FROM sla_contract c
    WHERE c.organization_id = NEW.organization_id AND c.id != NEW.id
      AND (c.ends_on IS NULL OR c.ends_on >= NEW.starts_on)
      AND (NEW.ends_on IS NULL OR c.starts_on <= NEW.ends_on));
"""
SQLITE_UP = [
    f"CREATE TRIGGER sla_contract_no_overlap_insert BEFORE INSERT ON sla_contract "
    f"BEGIN {_SQLITE_CHECK} END",
    f"CREATE TRIGGER sla_contract_no_overlap_update BEFORE UPDATE ON sla_contract "
    f"BEGIN {_SQLITE_CHECK} END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS sla_contract_no_overlap_insert",
    "DROP TRIGGER IF EXISTS sla_contract_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def create_default_calendar(apps, schema_editor):
    calendar_model = apps.get_model("sla", "BusinessCalendar")
    hours_model = apps.get_model("sla", "WeeklyHours")
    calendar, created = calendar_model.objects.get_or_create(
        name="Support hours", defaults={"time_zone": "Europe/Moscow"}
    )
    if created:
        weekday, weekend = (time(9), time(21)), (time(10), time(20))
        hours_model.objects.bulk_create(
            hours_model(calendar=calendar, weekday=day, opens=opens, closes=closes)
            for day, (opens, closes) in [(d, weekday) for d in range(5)] + [(5, weekend), (6, weekend)]
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
        migrations.RunPython(create_default_calendar, migrations.RunPython.noop),
    ]
