# The daily allowance of a customer's files is counted from their attachments of the last
# 24 hours (tickets.attachments.check_quotas). Built concurrently on PostgreSQL.
from django.db import migrations, models

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0023_report_live_index"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="attachment",
            index=models.Index(
                fields=["uploaded_by", "created_at"], name="attachment_uploader_created"
            ),
        ),
    ]
