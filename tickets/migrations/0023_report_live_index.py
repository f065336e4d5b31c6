# Built concurrently on PostgreSQL: the requests table is one of the large ones.
from django.db import migrations, models

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0022_report_days"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["created_at"],
                name="ticket_report_live",
            ),
        ),
    ]
