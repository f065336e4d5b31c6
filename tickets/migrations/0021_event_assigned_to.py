# The engineer an "Engineer assigned" entry gave the request to, as a column (it was only in
# data->>'to'), filled for the existing history in batches, then indexed concurrently.
#
# Safe on a large history (3M entries at 1M requests): adding a nullable column is a
# catalogue change (its foreign key checks the all-empty column: one scan, ~1 s); the
# backfill updates the entries of a range of 20,000 ids per statement, each committed on
# its own (the migration is not atomic), so no long lock and no giant transaction; the
# index is built CONCURRENTLY. Rerunning it after an interruption only fills what is
# still empty.
from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

from proftiket.migration_ops import AddIndexConcurrentlyOnPostgres

BATCH = 20_000


def backfill(apps, schema_editor):
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    connection = schema_editor.connection
    bounds = TicketEvent.objects.filter(kind="assigned").aggregate(
        low=models.Min("pk"), high=models.Max("pk")
    )
    if bounds["low"] is None:
        return
    if connection.vendor == "postgresql":
        to = "(data->>'to')::bigint"
        valid = "jsonb_typeof(data->'to') = 'number'"
    else:
        to = "CAST(json_extract(data, '$.to') AS INTEGER)"
        valid = "json_type(data, '$.to') = 'integer'"
    # Only ids of existing users: an entry naming a user who is gone stays empty.
    sql = (
        f"UPDATE tickets_ticketevent SET assigned_to_id = {to} "  # noqa: S608 (our own SQL)
        f"WHERE id >= %s AND id < %s AND kind = 'assigned' AND assigned_to_id IS NULL "
        f"AND {valid} AND EXISTS (SELECT 1 FROM accounts_user u WHERE u.id = {to})"
    )
    with connection.cursor() as cursor:
        for start in range(bounds["low"], bounds["high"] + 1, BATCH):
            cursor.execute(sql, [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("tickets", "0020_api_activity_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketevent",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="assigned to",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        AddIndexConcurrentlyOnPostgres(
            model_name="ticketevent",
            index=models.Index(
                condition=models.Q(("assigned_to__isnull", False)),
                fields=["created_at"],
                include=["assigned_to", "ticket"],
                name="event_assigned_to",
            ),
        ),
    ]
