# Automatic assignment finds a plan's new requests that nobody has yet through this small
# partial index; built concurrently on PostgreSQL (the requests table is large).

from django.db import migrations, models

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0017_customer_ratings"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("assignee__isnull", True), ("status", "new")),
                fields=["plan", "created_at"],
                name="ticket_new_unassigned",
            ),
        ),
    ]
