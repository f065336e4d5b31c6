# Built concurrently on PostgreSQL: the requests table is one of the large ones, and a plain
# CREATE INDEX would stop every write to it for the build.
from django.db import migrations, models

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('tickets', '0019_event_kinds_of_incidents_and_ratings'),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='ticket',
            index=models.Index(fields=['organization', 'last_activity_at'], name='ticket_org_activity'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='ticket',
            index=models.Index(fields=['requester', 'last_activity_at'], name='ticket_req_activity'),
        ),
    ]
