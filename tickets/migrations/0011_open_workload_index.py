# The console's home counts open work per engineer from this covering partial index alone
# (an index-only scan), instead of reading every open request's row.

from django.db import migrations, models

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0010_canned_replies"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "in_progress", "waiting"])),
                fields=["assignee"],
                include=(
                    "status",
                    "status_changed_at",
                    "first_response_at",
                    "first_response_due_at",
                    "first_response_risk_at",
                    "resolution_due_at",
                    "resolution_risk_at",
                ),
                name="ticket_open_workload",
            ),
        ),
    ]
