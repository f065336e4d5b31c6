"""The daily tables of settled requests at two coarse grains (day × priority × type, and
day × organisation × contract) instead of one fine grain that was as long as the requests.

The old table is dropped and the watermark emptied: until the job "report days" runs (every
10 minutes, or `manage.py settle_report_days`) the pages count every request raw — the same
figures, only slower — and its first run settles all history into the new tables."""

import django.db.models.deletion
from django.db import migrations, models

DATA_LOSS_REVIEWED = (
    "tickets_reportday only holds sums derived from the requests, recomputed by the job "
    "'report days' (the watermark is emptied here, so nothing is counted twice or missed); "
    "never released (0.3 unreleased). Reviewed by the rep2 helper for the coordinator, "
    "2 December 2026."
)


def forget_the_watermark(apps, schema_editor):
    apps.get_model("tickets", "ReportDayState").objects.update(settled_before=None)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_api_tokens"),
        ("sla", "0005_automatic_assignment"),
        ("tickets", "0023_report_live_index"),
    ]

    operations = [
        migrations.DeleteModel(name="ReportDay"),
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
        migrations.RunPython(forget_the_watermark, migrations.RunPython.noop, elidable=True),
    ]
