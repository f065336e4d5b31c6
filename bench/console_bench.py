"""Measure the agent console on a large database: queries and time per page, and the plan.

Run (PostgreSQL; the database is created and migrated if missing, seeded once):
    DATABASE_URL=postgres://root@127.0.0.1:5432/proftiket_bench \\
        .venv/bin/python bench/console_bench.py --tickets 100000

Without DATABASE_URL it uses var/console_bench.sqlite3. Seeding bypasses the lifecycle on
purpose (bulk_create, like factories set a status for setup); the one request whose page is
measured gets its conversation through the lifecycle.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchsetup import setup_django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proftiket.settings")
# Production settings (DEBUG off) with what a test client on plain HTTP needs.
os.environ.setdefault("SECRET_KEY", "console-bench-" + "x" * 50)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("PLAIN_STATIC_STORAGE", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_URL", "memorymail://")  # notifications of the seeded messages
os.environ.setdefault("Q_SYNC", "true")  # ... are sent inline into memory, not queued
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'console_bench.sqlite3'}")

BATCH = 5_000
SEARCH_WORD = "модем"
SUBJECTS = [
    "Обрыв линии E1 на узле {n}",
    "Не проходят вызовы через SIP-транк {n}",
    "Высокая задержка на канале {n}",
    "Перезагружается модем на площадке {n}",
    "Нет доступа к личному кабинету ({n})",
    "Запрос на изменение тарифа, договор {n}",
    "Консультация по настройке маршрутизации {n}",
    "Ошибка 503 при обращении к API, запрос {n}",
]
STATUSES = (  # (status, share): mostly closed, as in a desk that has been running for years
    ("new", 0.06), ("in_progress", 0.12), ("waiting", 0.08), ("resolved", 0.09), ("closed", 0.65),
)  # fmt: skip
PRIORITIES = ((1, 0.05), (2, 0.20), (3, 0.60), (4, 0.15))


def weighted(rng, pairs):
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs])[0]


def seed_people():
    """A few organisations with customers, a team of engineers; returns (agent, requesters)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Organization, Role, User

    unusable = make_password(None)
    agent = User.objects.filter(email="bench-agent@support.test").first()
    if agent is None:
        agent = User.objects.create_user(
            "bench-agent@support.test", None, full_name="Bench Agent", role=Role.AGENT
        )
        for i in range(9):
            User.objects.create_user(
                f"bench-engineer{i}@support.test", None, full_name=f"Engineer {i}",
                role=Role.SUPERVISOR if i == 0 else Role.AGENT,
            )  # fmt: skip
        for i in range(8):
            organization = Organization.objects.create(name=f"Bench Telecom {i}")
            User.objects.bulk_create(
                User(email=f"user{j}@org{i}.bench", full_name=f"Customer {i}-{j}",
                     organization=organization, role=Role.CUSTOMER, password=unusable)
                for j in range(12)
            )  # fmt: skip
    requesters = list(
        User.objects.filter(email__endswith=".bench").values_list("pk", "organization")
    )
    engineers = list(User.objects.filter(email__startswith="bench-").values_list("pk", flat=True))
    return agent, requesters, engineers


def seed_tickets(total: int) -> None:
    """bulk_create tickets until there are `total`; a second run adds nothing."""
    from django.db import connection
    from django.utils import timezone

    from tickets.models import Ticket

    _agent, requesters, engineers = seed_people()
    missing = total - Ticket.objects.count()
    if missing <= 0:
        print(f"already seeded: {Ticket.objects.count()} tickets")
        return
    rng = random.Random(42)
    now = timezone.now()
    started = time.perf_counter()
    for offset in range(0, missing, BATCH):
        rows = []
        for _ in range(min(BATCH, missing - offset)):
            requester, organization = rng.choice(requesters)
            status = weighted(rng, STATUSES)
            created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            assignee = None if status == "new" and rng.random() < 0.8 else rng.choice(engineers)
            rows.append(Ticket(
                organization_id=organization, requester_id=requester, assignee_id=assignee,
                type=rng.choice(Ticket.Type.values), priority=weighted(rng, PRIORITIES),
                status=status, subject=rng.choice(SUBJECTS).format(n=rng.randrange(10_000)),
                description="Описание проблемы. " * rng.randrange(1, 20),
                blocks_work=rng.random() < 0.1, created_at=created,
                last_activity_at=min(now, created + timedelta(hours=rng.randrange(1, 500))),
            ))  # fmt: skip
        Ticket.objects.bulk_create(rows, batch_size=1_000)
        print(f"  seeded {offset + len(rows)}/{missing}", end="\r", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"seeded {missing} tickets in {time.perf_counter() - started:.1f} s")


def conversation_ticket(agent):
    """The request whose page is measured: taken by the agent, with a long conversation."""
    from tickets import lifecycle
    from tickets.models import Comment, Ticket

    with_messages = Comment.objects.values("ticket").order_by("ticket").first()
    if with_messages is not None:  # seeded by an earlier run: the only one with messages
        return Ticket.objects.get(pk=with_messages["ticket"])
    # Unassigned: 20% of the seeded new requests already have an engineer, and taking those is
    # refused to an engineer who is not a supervisor.
    ticket = Ticket.objects.filter(status="new", assignee=None).order_by("pk").first()
    lifecycle.take(ticket, actor=agent)
    for i in range(15):
        lifecycle.reply(ticket, actor=ticket.requester, body=f"Сообщение клиента {i}")
        lifecycle.add_note(ticket, actor=agent, body=f"Заметка {i}")
        lifecycle.reply(ticket, actor=agent, body=f"Ответ поддержки {i}")
    return ticket


def measure(client, url, runs: int):
    """(queries, median ms, status) of GET url after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    timings, queries, status = [], 0, None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    return queries, statistics.median(timings), status


def default_list_plan(agent):
    """EXPLAIN of the default queue page and of its count, as the admin builds them."""
    from django.contrib import admin
    from django.db import connection
    from django.test import RequestFactory

    from tickets.models import Ticket

    request = RequestFactory().get("/admin/tickets/ticket/")
    request.user = agent
    changelist = admin.site.get_model_admin(Ticket).get_changelist_instance(request)
    page = changelist.result_list
    if connection.vendor != "postgresql":
        return str(page.query), page.explain(), changelist.queryset.order_by().explain()
    plan = page.explain(analyze=True, buffers=True)
    return str(page.query), plan, _count_plan(changelist.queryset)


def _count_plan(queryset):
    from django.db import connection

    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM ({sql}) AS page", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    seed_tickets(args.tickets)
    agent = User.objects.get(email="bench-agent@support.test")
    ticket = conversation_ticket(agent)

    client = Client()
    client.force_login(agent)
    changelist = reverse("admin:tickets_ticket_changelist")
    pages = [
        ("queue (default: open, most urgent first)", changelist),
        ("filtered: mine", f"{changelist}?engineer=me"),
        (f"search: {SEARCH_WORD!r}", f"{changelist}?q={SEARCH_WORD}"),
        ("search: PT-<id>", f"{changelist}?q={ticket.reference}"),
        (f"request page ({ticket.comments.count()} messages)",
         reverse("admin:tickets_ticket_change", args=[ticket.pk])),
    ]  # fmt: skip
    from tickets.models import Ticket

    print(f"\n{connection.vendor}, {Ticket.objects.count()} tickets, "
          f"{Ticket.objects.filter(status__in=['new', 'in_progress', 'waiting']).count()} open; "
          f"DEBUG={settings.DEBUG}; median of {args.runs} runs after a warm-up\n")  # fmt: skip
    print(f"{'page':48} {'queries':>7} {'median ms':>10} {'status':>6}")
    for label, url in pages:
        queries, median_ms, status = measure(client, url, args.runs)
        print(f"{label:48} {queries:7d} {median_ms:10.1f} {status:6d}")

    sql, plan, count_plan = default_list_plan(agent)
    print("\nDefault queue page query:\n" + sql)
    print("\nEXPLAIN:\n" + plan)
    print("\nEXPLAIN of its count:\n" + count_plan)
    uses_index = "ticket_open_queue" in plan
    print(f"\npartial index ticket_open_queue used by the page query: {uses_index}")


if __name__ == "__main__":
    main()
