# The children of a major incident, and the major incidents themselves: partial indexes on the
# requests table, built without locking it (CREATE INDEX CONCURRENTLY on PostgreSQL).

from django.db import migrations, models

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0015_major_incidents_and_status_notices"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("major_incident__isnull", False)),
                fields=["major_incident", "status"],
                name="ticket_incident_children",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("is_major_incident", True)),
                fields=["-created_at"],
                name="ticket_major_incidents",
            ),
        ),
    ]
