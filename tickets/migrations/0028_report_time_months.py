"""The reports' month tables of bucket counts of business times (tickets.reports.time_buckets)
and the engineers' days (tickets.reports.engineer_days).

They are created empty, as are the daily tables after this migration: the watermark is cleared
so that the next run of the job "report days" (every 10 minutes, or `manage.py
settle_report_days`) settles all history into every table at once; until then the pages
count every request raw, with the same figures. Only the small report tables are written.
The daily tables, emptied, get a unique key (one row a key: each run adds its counts to it).

The reports' index of the requests not closed becomes a covering one (built concurrently on
PostgreSQL, the old one then dropped concurrently): the pages read those requests from the
index alone. The migration is therefore not atomic.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models

from proftiket.migration_ops import (
    AddIndexConcurrentlyOnPostgres,
    RemoveIndexConcurrentlyOnPostgres,
)



def resettle(apps, schema_editor):
    """Forget what was settled: the tables are sums of the requests, rebuilt by the job."""
    for name in ("ReportDay", "ReportOrganizationDay"):
        apps.get_model("tickets", name).objects.all().delete()
    apps.get_model("tickets", "ReportDayState").objects.update(settled_before=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('accounts', '0005_api_tokens'),
        ('sla', '0005_automatic_assignment'),
        ('tickets', '0027_ticket_search_document_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportTimeMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('field', models.PositiveSmallIntegerField(choices=[(0, 'first response'), (1, 'resolution')])),
                ('bucket', models.SmallIntegerField()),
                ('n', models.PositiveIntegerField()),
                ('smallest', models.FloatField()),
                ('largest', models.FloatField()),
                ('priority', models.PositiveSmallIntegerField()),
                ('type', models.CharField(max_length=20)),
            ],
            options={
                'verbose_name': 'report time month',
                'verbose_name_plural': 'report time months',
                'constraints': [models.UniqueConstraint(fields=('month', 'priority', 'type', 'field', 'bucket'), name='reporttimemonth_key')],
            },
        ),
        migrations.CreateModel(
            name='ReportEngineerMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('field', models.PositiveSmallIntegerField(choices=[(0, 'first response'), (1, 'resolution')])),
                ('bucket', models.SmallIntegerField()),
                ('n', models.PositiveIntegerField()),
                ('smallest', models.FloatField()),
                ('largest', models.FloatField()),
                ('assignee', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'report engineer month',
                'verbose_name_plural': 'report engineer months',
                'constraints': [models.UniqueConstraint(fields=('month', 'assignee', 'field', 'bucket'), name='reportengmonth_key')],
            },
        ),
        migrations.CreateModel(
            name='ReportTimeOrganizationMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('field', models.PositiveSmallIntegerField(choices=[(0, 'first response'), (1, 'resolution')])),
                ('bucket', models.SmallIntegerField()),
                ('n', models.PositiveIntegerField()),
                ('smallest', models.FloatField()),
                ('largest', models.FloatField()),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
            ],
            options={
                'verbose_name': 'report time organisation month',
                'verbose_name_plural': 'report time organisation months',
                'constraints': [models.UniqueConstraint(fields=('month', 'organization', 'field', 'bucket'), name='reporttimeorgmonth_key')],
            },
        ),
        migrations.CreateModel(
            name='ReportEngineerDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('taken', models.PositiveIntegerField(default=0)),
                ('resolved', models.PositiveIntegerField(default=0)),
                ('disputes', models.PositiveIntegerField(default=0)),
                ('engineer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'report engineer day',
                'verbose_name_plural': 'report engineer days',
                'indexes': [models.Index(fields=['day'], name='reportengday_day')],
                'constraints': [models.UniqueConstraint(fields=('day', 'engineer'), name='reportengday_key')],
            },
        ),
        migrations.CreateModel(
            name='ReportRepeatAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('engineer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ticket', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tickets.ticket')),
            ],
            options={
                'verbose_name': 'report repeated assignment',
                'verbose_name_plural': 'report repeated assignments',
                'indexes': [models.Index(fields=['day'], name='reportrepeat_day')],
            },
        ),
    
        migrations.RunPython(resettle, migrations.RunPython.noop, atomic=True),
        # One row a key in the daily tables (emptied just above): a run adds its counts to
        # the row there. The contract may be NULL, which never conflicts: COALESCE to 0.
        migrations.AddConstraint(
            model_name='reportday',
            constraint=models.UniqueConstraint(fields=('day', 'priority', 'type'), name='reportday_key'),
        ),
        migrations.AddConstraint(
            model_name='reportorganizationday',
            constraint=models.UniqueConstraint(models.F('day'), models.F('organization'), django.db.models.functions.comparison.Coalesce('contract', 0), name='reportorgday_key'),
        ),
            AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["created_at"],
                include=[
                    "id",
                    "organization",
                    "contract",
                    "priority",
                    "type",
                    "status",
                    "assignee",
                    "first_response_due_at",
                    "resolution_due_at",
                    "first_response_at",
                    "resolved_at",
                    "first_response_time",
                    "resolution_time",
                ],
                name="ticket_report_open",
            ),
        ),
        RemoveIndexConcurrentlyOnPostgres(model_name="ticket", name="ticket_report_live"),
    ]
