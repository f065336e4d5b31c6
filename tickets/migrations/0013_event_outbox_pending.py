# Built concurrently on PostgreSQL: the history table is one of the large ones, and a plain
# CREATE INDEX would stop every write to it (every action on every request) for the build.
from django.db import migrations, models

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('tickets', '0012_delivery'),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='ticketevent',
            index=models.Index(condition=models.Q(('notified_at__isnull', True)), fields=['created_at'], name='event_outbox_pending'),
        ),
    ]
