# The stored search document (0024) filled for the requests that existed before it: a range of
# 5,000 ids per statement, each committed on its own (the migration is not atomic), like the
# assignment backfill of 0021. No table lock: each statement locks only its own rows, for as
# long as it runs (~2 s: an update of a request in that range waits that long at most), while
# the site keeps reading and saving; the previous release keeps serving meanwhile, and its
# writes are filled by the triggers. Most of the time is the update itself (a new version of
# each row in each of the table's ~30 indexes), not computing the documents: ~11 minutes at a
# million requests on a busy 2-core machine. Rerunning it after an interruption fills only
# what is still empty. PostgreSQL only (SQLite has no column).
from django.db import migrations

BATCH = 5_000
DOCUMENT = (
    "setweight(to_tsvector('russian'::regconfig, COALESCE(subject, '')), 'A') || "
    "setweight(to_tsvector('russian'::regconfig, COALESCE(description, '')), 'B')"
)


def fill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM tickets_ticket")
        low, high = cursor.fetchone()
        if low is None:
            return
        sql = (
            f"UPDATE tickets_ticket SET search_document = {DOCUMENT} "  # noqa: S608 (constant)
            "WHERE id >= %s AND id < %s AND search_document IS NULL"
        )
        for start in range(low, high + 1, BATCH):
            cursor.execute(sql, [start, start + BATCH])
        # The planner's statistics of the new column (how common each word is), which autovacuum
        # would gather only later: without them a search's plan is a guess. A sample, seconds.
        cursor.execute("ANALYZE tickets_ticket (search_document)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0025_ticket_search_document")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
