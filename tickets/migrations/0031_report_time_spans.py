"""The times tables (tickets.reports.time_buckets) also hold each quarter and year: their
`span` joins the unique key, first, and the quarter and year rows are summed from the month
rows already there; a new table holds the by-organisation counts per octave (16 buckets),
summed from them too (tickets.reports.time_ranks), and the by-organisation key's index
includes the counts. PostgreSQL only: the tables are filled there alone. At a million
requests over two years the ~1M month rows give ~0.7M more and ~0.2M octave rows in about
20 s; only these report tables are written.
"""

import django.db.models.deletion
from django.db import migrations, models

SPANS = {3: "quarter", 12: "year"}
KEYS = {"ReportTimeMonth": "priority, type", "ReportTimeOrganizationMonth": "organization_id"}
BUCKETS_PER_OCTAVE = 16


def cover_the_organisation_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    # The by-organisation key's index includes the counts, so that the times page reads the
    # buckets of an octave from the index alone (time_ranks); same name, same key columns.
    table = quote(apps.get_model("tickets", "ReportTimeOrganizationMonth")._meta.db_table)
    schema_editor.execute(
        f"CREATE UNIQUE INDEX reporttimeorgspan_cover ON {table} "
        "(span, month, organization_id, field, bucket) INCLUDE (n, smallest, largest)"
    )
    schema_editor.execute(
        f"ALTER TABLE {table} DROP CONSTRAINT reporttimeorgspan_key, "
        "ADD CONSTRAINT reporttimeorgspan_key UNIQUE USING INDEX reporttimeorgspan_cover"
    )


def sum_quarters_years_and_octaves(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model, keys in KEYS.items():
        table = quote(apps.get_model("tickets", model)._meta.db_table)
        for span, unit in SPANS.items():
            start = f"date_trunc('{unit}', month::timestamp)::date"
            schema_editor.execute(
                f"INSERT INTO {table} (span, month, {keys}, field, bucket, n, smallest, "  # noqa: S608
                f"largest) SELECT {span}, {start}, {keys}, field, bucket, SUM(n), "
                f"MIN(smallest), MAX(largest) FROM {table} WHERE span = 1 "
                f"GROUP BY {start}, {keys}, field, bucket"
            )
    buckets = quote(apps.get_model("tickets", "ReportTimeOrganizationMonth")._meta.db_table)
    octaves = quote(apps.get_model("tickets", "ReportTimeOrganizationOctave")._meta.db_table)
    octave = f"bucket / {BUCKETS_PER_OCTAVE}"
    schema_editor.execute(
        f"INSERT INTO {octaves} (span, month, organization_id, field, octave, n) "  # noqa: S608
        f"SELECT span, month, organization_id, field, {octave}, SUM(n) FROM {buckets} "
        f"GROUP BY span, month, organization_id, field, {octave}"
    )


def forget_quarters_and_years(apps, schema_editor):
    for model in KEYS:
        apps.get_model("tickets", model).objects.exclude(span=1).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_api_tokens'),
        ('tickets', '0030_comment_search_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportTimeOrganizationOctave',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('span', models.PositiveSmallIntegerField(choices=[(1, 'month'), (3, 'quarter'), (12, 'year')])),
                ('month', models.DateField(verbose_name='month')),
                ('field', models.PositiveSmallIntegerField(choices=[(0, 'first response'), (1, 'resolution')])),
                ('octave', models.SmallIntegerField()),
                ('n', models.PositiveIntegerField()),
            ],
            options={
                'verbose_name': 'report time organisation octave',
                'verbose_name_plural': 'report time organisation octaves',
            },
        ),
        migrations.RemoveConstraint(
            model_name='reporttimemonth',
            name='reporttimemonth_key',
        ),
        migrations.RemoveConstraint(
            model_name='reporttimeorganizationmonth',
            name='reporttimeorgmonth_key',
        ),
        migrations.AddField(
            model_name='reporttimemonth',
            name='span',
            field=models.PositiveSmallIntegerField(choices=[(1, 'month'), (3, 'quarter'), (12, 'year')], default=1),
        ),
        migrations.AddField(
            model_name='reporttimeorganizationmonth',
            name='span',
            field=models.PositiveSmallIntegerField(choices=[(1, 'month'), (3, 'quarter'), (12, 'year')], default=1),
        ),
        migrations.AddConstraint(
            model_name='reporttimemonth',
            constraint=models.UniqueConstraint(fields=('span', 'month', 'priority', 'type', 'field', 'bucket'), name='reporttimespan_key'),
        ),
        migrations.AddConstraint(
            model_name='reporttimeorganizationmonth',
            constraint=models.UniqueConstraint(fields=('span', 'month', 'organization', 'field', 'bucket'), name='reporttimeorgspan_key'),
        ),
        migrations.AddField(
            model_name='reporttimeorganizationoctave',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization'),
        ),
        migrations.AddConstraint(
            model_name='reporttimeorganizationoctave',
            constraint=models.UniqueConstraint(fields=('span', 'month', 'organization', 'field', 'octave'), name='reporttimeorgoctave_key'),
        ),
        migrations.RunPython(cover_the_organisation_key, migrations.RunPython.noop),
        migrations.RunPython(sum_quarters_years_and_octaves, forget_quarters_and_years),
    ]
