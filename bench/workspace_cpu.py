"""CPU per request page (workspace, 40 messages) of the 1M database: the Django process and its
PostgreSQL backend (read from /proc), in process through the test client, bench settings.

CPU time is far less sensitive to the machine's load than the HTTP bench's wall-clock times,
so a before/after pair measured on a busy machine still compares. Run from the root of the
checkout to measure (its code is imported), on a copy of the 1M database:
    BENCH_DATABASE_URL=postgres://…/a_copy .venv/bin/python bench/workspace_cpu.py 200
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/proftiket_bench1m"
)
ROUNDS = 3
WARMUP = 20


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from bench import bigdb

    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    path = f"/admin/tickets/ticket/{bigdb.seed_info()['conversation_ticket']}/"
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=bigdb.AGENT_EMAIL.format(i=0)))
    for _ in range(WARMUP):
        client.get(path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    for _ in range(ROUNDS):
        django_cpu, db_cpu, wall = time.process_time(), backend_cpu(), time.perf_counter()
        for _ in range(pages):
            client.get(path)
        django_cpu = (time.process_time() - django_cpu) / pages * 1000
        db_cpu = (backend_cpu() - db_cpu) / pages * 1000
        wall = (time.perf_counter() - wall) / pages * 1000
        print(f"Django CPU {django_cpu:.2f} ms, PostgreSQL CPU {db_cpu:.2f} ms, wall {wall:.1f} ms")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
