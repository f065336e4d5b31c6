"""The daily tables of settled requests (closed before a watermark) for the reports, at two
coarse grains: day × priority × type, and day × organisation × contract. Empty until the job
"report days" runs (every 10 minutes, or `manage.py settle_report_days`); until then the pages
count every request raw, with the same figures."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_api_tokens'),
        ('sla', '0005_automatic_assignment'),
        ('tickets', '0021_event_assigned_to'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportDayState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('settled_before', models.DateTimeField(null=True)),
            ],
            options={
                'verbose_name': 'report days state',
            },
        ),
        migrations.CreateModel(
            name="ReportDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("filed", models.PositiveIntegerField(default=0)),
                ("resolved", models.PositiveIntegerField(default=0)),
                ("first_met", models.PositiveIntegerField(default=0)),
                ("first_missed", models.PositiveIntegerField(default=0)),
                ("resolution_met", models.PositiveIntegerField(default=0)),
                ("resolution_missed", models.PositiveIntegerField(default=0)),
                ("breach_rows", models.PositiveIntegerField(default=0)),
                ("priority", models.PositiveSmallIntegerField()),
                ("type", models.CharField(max_length=20)),
            ],
            options={
                "verbose_name": "report day",
                "verbose_name_plural": "report days",
                "indexes": [models.Index(fields=["day"], name="reportday_day")],
            },
        ),
        migrations.CreateModel(
            name="ReportOrganizationDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("filed", models.PositiveIntegerField(default=0)),
                ("resolved", models.PositiveIntegerField(default=0)),
                ("first_met", models.PositiveIntegerField(default=0)),
                ("first_missed", models.PositiveIntegerField(default=0)),
                ("resolution_met", models.PositiveIntegerField(default=0)),
                ("resolution_missed", models.PositiveIntegerField(default=0)),
                ("breach_rows", models.PositiveIntegerField(default=0)),
                ("contract", models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="sla.contract")),
                ("organization", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organization")),
            ],
            options={
                "verbose_name": "report organisation day",
                "verbose_name_plural": "report organisation days",
                "indexes": [models.Index(fields=["day"], name="reportorgday_day")],
            },
        ),
    ]
