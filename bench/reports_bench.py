"""Measure the report pages on a large PostgreSQL database: queries and time per page.

Run (the database is created and migrated if missing, and seeded once):
    DATABASE_URL=postgres://root@127.0.0.1:5432/proftiket_reports_bench \\
        .venv/bin/python bench/reports_bench.py --tickets 1000000 --orgs 200

Seeding bypasses the lifecycle on purpose (like factories set a status for setup): requests
are generated with INSERT … SELECT over generate_series, spread over two years and the
organisations, with realistic statuses, priorities, types, business times, breaches (a
target missed when its time exceeds the plan's target, or a running request past due) and
history events (created, assigned, resolved, disputed, reopened). Each staff page is then
measured for the default period (the last 30 days) and for the last year, as a supervisor,
plus the customer's report and CSV exports: the number of queries and the median wall time of
--runs runs after a warm-up.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchsetup import setup_django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proftiket.settings")
# Production settings (DEBUG off) with what a test client on plain HTTP needs.
os.environ.setdefault("SECRET_KEY", "reports-bench-" + "x" * 50)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("PLAIN_STATIC_STORAGE", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_URL", "memorymail://")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/proftiket_reports_bench")

ENGINEERS = 30
SUPERVISOR = "bench-reports-supervisor@support.test"
MANAGER = "bench-reports-manager@org0.bench"
PLANS = {  # name: {priority: (first response minutes, resolution minutes)}
    "Bench Basic": {1: (60, 480), 2: (120, 960), 3: (480, 2400), 4: (960, 4800)},
    "Bench Standard": {1: (30, 240), 2: (60, 480), 3: (240, 1440), 4: (480, 2400)},
    "Bench Premium": {1: (15, 120), 2: (30, 240), 3: (120, 720), 4: (240, 1440)},
}


def seed_reference_data(orgs: int) -> None:
    """Plans with targets, organisations with a contract, a customer and a manager each,
    engineers and a supervisor; skipped if present."""
    from accounts.models import Organization, Role, User
    from sla.models import Contract, PlanTarget, SupportPlan, default_calendar

    if User.objects.filter(email=SUPERVISOR).exists():
        return
    calendar = default_calendar()
    plans = []
    for name, targets in PLANS.items():
        plan = SupportPlan.objects.create(
            name=name,
            calendar=calendar,
            covered_types=["incident", "problem", "service_request", "change_request"],
        )
        PlanTarget.objects.bulk_create(
            PlanTarget(
                plan=plan,
                priority=p,
                first_response=timedelta(minutes=first),
                resolution=timedelta(minutes=resolution),
            )
            for p, (first, resolution) in targets.items()
        )
        plans.append(plan)
    organisations = Organization.objects.bulk_create(
        Organization(name=f"Bench Org {i:03d}", short_name=f"Org{i:03d}") for i in range(orgs)
    )
    starts = date.today() - timedelta(days=2 * 365 + 30)
    Contract.objects.bulk_create(
        Contract(
            organization=o, plan=plans[i % len(plans)], number=f"BENCH-{i:04d}", starts_on=starts
        )
        for i, o in enumerate(organisations)
    )
    User.objects.bulk_create(
        User(
            email=f"user@org{i}.bench",
            full_name=f"Customer {i}",
            organization=o,
            role=Role.CUSTOMER,
            password="!",  # noqa: S106 (an unusable password: these users never log in)
        )
        for i, o in enumerate(organisations)
    )
    User.objects.create_user(
        MANAGER,
        None,
        full_name="Bench Manager",
        organization=organisations[0],
        role=Role.CUSTOMER_MANAGER,
    )
    for i in range(ENGINEERS):
        User.objects.create_user(
            f"bench-reports-engineer{i}@support.test",
            None,
            full_name=f"Engineer {i:02d}",
            role=Role.AGENT,
        )
    User.objects.create_user(SUPERVISOR, None, full_name="Bench Supervisor", role=Role.SUPERVISOR)


# One row per request, every random draw once (r1…r9), then the outcome derived from them.
# Ages are skewed towards the present (a growing desk); statuses follow the age: most old
# requests are closed, recent ones are still in work.
TICKETS_SQL = """
WITH orgs AS (
    SELECT row_number() OVER (ORDER BY o.id) - 1 AS idx, o.id AS org_id, u.id AS requester_id,
           c.id AS contract_id, c.plan_id
    FROM accounts_organization o
    JOIN accounts_user u ON u.organization_id = o.id AND u.role = 'customer'
    JOIN sla_contract c ON c.organization_id = o.id
    WHERE o.name LIKE 'Bench Org %%'
),
engineers AS (
    SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM accounts_user
    WHERE email LIKE 'bench-reports-engineer%%'
),
draws AS (
    SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
           random() r7, random() r8, random() r9,
           now() - interval '730 days' * power(random(), 1.15) AS created
    FROM generate_series(1, %(count)s) g
),
shaped AS (
    SELECT d.*, o.org_id, o.requester_id, o.contract_id, o.plan_id,
           CASE WHEN d.r2 < 0.05 THEN 1 WHEN d.r2 < 0.25 THEN 2 WHEN d.r2 < 0.85 THEN 3 ELSE 4 END
               AS priority,
           CASE WHEN d.r3 < 0.5 THEN 'incident' WHEN d.r3 < 0.6 THEN 'problem'
                WHEN d.r3 < 0.9 THEN 'service_request' ELSE 'change_request' END AS type,
           CASE
               WHEN now() - d.created < interval '2 days' THEN
                   CASE WHEN d.r4 < 0.4 THEN 'new' WHEN d.r4 < 0.75 THEN 'in_progress'
                        WHEN d.r4 < 0.85 THEN 'waiting' ELSE 'resolved' END
               WHEN now() - d.created < interval '30 days' THEN
                   CASE WHEN d.r4 < 0.05 THEN 'new' WHEN d.r4 < 0.2 THEN 'in_progress'
                        WHEN d.r4 < 0.3 THEN 'waiting' WHEN d.r4 < 0.5 THEN 'resolved'
                        ELSE 'closed' END
               ELSE CASE WHEN d.r4 < 0.005 THEN 'new' WHEN d.r4 < 0.015 THEN 'in_progress'
                         WHEN d.r4 < 0.025 THEN 'waiting' WHEN d.r4 < 0.03 THEN 'resolved'
                         ELSE 'closed' END
           END AS status,
           e.id AS engineer_id
    FROM draws d
    JOIN orgs o ON o.idx = d.g %% (SELECT count(*) FROM orgs)
    JOIN engineers e ON e.idx = (d.g * 7 + floor(d.r9 * 3)::int) %% (SELECT count(*) FROM engineers)
),
timed AS (
    SELECT s.*, t.first_response AS fr_target, t.resolution AS res_target,
           CASE WHEN s.status = 'new' THEN NULL
                ELSE t.first_response * (-ln(1 - s.r5 * 0.999) * 0.55) END AS fr_time,
           CASE WHEN s.status IN ('resolved', 'closed')
                     AND NOT (s.status = 'closed' AND s.r7 < 0.08) -- closed without a solution
                THEN t.resolution * (-ln(1 - s.r6 * 0.999) * 0.5) END AS res_time,
           CASE WHEN s.status <> 'closed' THEN ''
                WHEN s.r7 < 0.04 THEN 'withdrawn' WHEN s.r7 < 0.08 THEN 'support'
                WHEN s.r7 < 0.40 THEN 'auto' ELSE 'confirmed' END AS close_reason
    FROM shaped s JOIN sla_plantarget t ON t.plan_id = s.plan_id AND t.priority = s.priority
)
INSERT INTO tickets_ticket (
    organization_id, requester_id, type, priority, status, subject, description,
    technical_details, blocks_work, assignee_id, created_at, last_activity_at, status_changed_at,
    first_response_at, resolved_at, closed_at, close_reason, contract_id, plan_id,
    first_response_due_at, resolution_due_at, first_response_risk_at, resolution_risk_at,
    sla_paused_for, first_response_time, resolution_time, version, incident_title,
    is_major_incident
)
SELECT org_id, requester_id, type, priority, status, {subject},
       {description}, '', r8 < 0.1,
       CASE WHEN status = 'new' AND r8 < 0.8 THEN NULL ELSE engineer_id END,
       created,
       LEAST(now(), created + coalesce(res_time * 2, fr_time * 1.5, interval '0')),
       LEAST(now(), created + coalesce(res_time * 2, fr_time * 1.5, interval '0')),
       CASE WHEN fr_time IS NOT NULL THEN LEAST(now(), created + fr_time * 1.5) END,
       CASE WHEN res_time IS NOT NULL THEN LEAST(now(), created + res_time * 2) END,
       CASE WHEN status = 'closed'
            THEN LEAST(now(), created + coalesce(res_time * 2, interval '1 hour')
                              + interval '1 day' * r9 * 10) END,
       close_reason, contract_id, plan_id,
       created + fr_target * 1.5, created + res_target * 2,
       created + fr_target * 1.2, created + res_target * 1.6,
       interval '0', fr_time, res_time, 1, '', false
FROM timed
"""

BREACHES_SQL = """
INSERT INTO sla_breach (ticket_id, target, due_at, recorded_at, met_at, late_by, notified_at)
SELECT t.id, 'first_response', t.first_response_due_at, t.first_response_due_at,
       t.first_response_at, t.first_response_time - p.first_response, t.first_response_due_at
FROM tickets_ticket t JOIN sla_plantarget p ON p.plan_id = t.plan_id AND p.priority = t.priority
WHERE t.first_response_time > p.first_response
UNION ALL
SELECT t.id, 'first_response', t.first_response_due_at, t.first_response_due_at, NULL, NULL,
       t.first_response_due_at
FROM tickets_ticket t
WHERE t.first_response_at IS NULL AND t.status IN ('new', 'in_progress')
      AND t.first_response_due_at < now() - interval '1 minute'
UNION ALL
SELECT t.id, 'resolution', t.resolution_due_at, t.resolution_due_at, t.resolved_at,
       t.resolution_time - p.resolution, t.resolution_due_at
FROM tickets_ticket t JOIN sla_plantarget p ON p.plan_id = t.plan_id AND p.priority = t.priority
WHERE t.resolution_time > p.resolution
UNION ALL
SELECT t.id, 'resolution', t.resolution_due_at, t.resolution_due_at, NULL, NULL,
       t.resolution_due_at
FROM tickets_ticket t
WHERE t.status IN ('new', 'in_progress') AND t.resolution_due_at < now() - interval '1 minute'
"""

# created for every request; assigned when it has an engineer; resolved at its solution;
# for 6% of the solved, an earlier solution by another engineer, disputed an hour later;
# for 1%, a solution taken back by support (reopened).
EVENTS_SQL = """
INSERT INTO tickets_ticketevent (ticket_id, actor_id, kind, from_status, to_status, note,
                                 is_public, data, created_at, assigned_to_id)
SELECT id, requester_id, 'created', '', 'new', '', true, '{}'::jsonb, created_at, NULL
FROM tickets_ticket
UNION ALL
SELECT id, assignee_id, 'assigned', '', '', '', true,
       jsonb_build_object('from', NULL, 'to', assignee_id),
       LEAST(now(), created_at + interval '5 minutes'), assignee_id
FROM tickets_ticket WHERE assignee_id IS NOT NULL
UNION ALL
SELECT id, assignee_id, 'resolved', 'in_progress', 'resolved', '', true, '{}'::jsonb,
       resolved_at, NULL
FROM tickets_ticket WHERE resolved_at IS NOT NULL
UNION ALL
SELECT id, (SELECT min(u.id) FROM accounts_user u WHERE u.email LIKE 'bench-reports-engineer%%')
           + (id %% 29), 'resolved', 'in_progress', 'resolved', '', true, '{}'::jsonb,
       resolved_at - interval '2 hours', NULL
FROM tickets_ticket WHERE resolved_at IS NOT NULL AND id %% 100 < 6
UNION ALL
SELECT id, requester_id, 'disputed', 'resolved', 'in_progress', '', true, '{}'::jsonb,
       resolved_at - interval '1 hour', NULL
FROM tickets_ticket WHERE resolved_at IS NOT NULL AND id %% 100 < 6
UNION ALL
SELECT id, assignee_id, 'reopened', 'resolved', 'in_progress', '', true, '{}'::jsonb,
       resolved_at - interval '30 minutes', NULL
FROM tickets_ticket WHERE resolved_at IS NOT NULL AND id %% 100 = 7
"""


# The indexes the report queries want, proposed for tickets.Ticket.Meta.indexes (a migration
# adds them with these names; until then the bench creates them, so it measures the intended
# state; --without-report-indexes measures without them).
REPORT_INDEXES = {
    # Requests filed in a period, with every column the SLA, times and flow queries read:
    # an index-only scan instead of reading the table.
    "ticket_report_filed": """CREATE INDEX IF NOT EXISTS ticket_report_filed ON tickets_ticket
        (created_at) INCLUDE (id, organization_id, contract_id, priority, type, status,
        first_response_due_at, resolution_due_at, first_response_at, resolved_at,
        first_response_time, resolution_time)""",
    # Requests resolved in a period (created vs resolved, engineers' median times).
    "ticket_report_resolved": """CREATE INDEX IF NOT EXISTS ticket_report_resolved ON
        tickets_ticket (resolved_at) INCLUDE (id, organization_id, priority, type, assignee_id,
        first_response_time, resolution_time) WHERE resolved_at IS NOT NULL""",
    # Requests closed in a period, by how (closure).
    "ticket_report_closed": """CREATE INDEX IF NOT EXISTS ticket_report_closed ON
        tickets_ticket (closed_at) INCLUDE (id, organization_id, priority, type, close_reason)
        WHERE closed_at IS NOT NULL""",
}


# How many distinct months the filing times span: without it the planner takes every request
# for its own month and sorts instead of hashing the SLA counts by month (a RunSQL migration;
# the expression is the one TruncMonth("created_at") sends with TIME_ZONE Europe/Moscow).
REPORT_STATISTICS = {
    "ticket_created_month": """CREATE STATISTICS IF NOT EXISTS ticket_created_month ON
        (date_trunc('month', created_at AT TIME ZONE 'Europe/Moscow')) FROM tickets_ticket""",
}


def ensure_report_indexes(wanted: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name, sql in REPORT_INDEXES.items():
            if wanted:
                started = time.perf_counter()
                cursor.execute(sql)
                print(f"  index {name}: ready ({time.perf_counter() - started:.1f} s)")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        for name, sql in REPORT_STATISTICS.items():
            cursor.execute(sql if wanted else f"DROP STATISTICS IF EXISTS {name}")
        # Index-only scans need the visibility map that VACUUM keeps (autovacuum, in
        # production); ANALYZE gathers the statistics.
        cursor.execute("VACUUM ANALYZE tickets_ticket")


# SQL expressions for the subject and the description of each seeded request (the columns of
# the generator, g and r1…r9, are in scope); bench/bigdb.py passes realistic Russian texts.
PLAIN_TEXTS = {
    "subject": "'Bench request ' || g",
    "description": "'Описание проблемы для отчётов.'",
    "params": {},
}


# The tables the seed fills with INSERT … SELECT. Their secondary indexes (about forty, the
# full-text GIN index among them) are dropped first and built again afterwards: maintaining
# them row by row made the requests step four times slower (761 s instead of ~180 s).
SEEDED_TABLES = ("tickets_ticket", "sla_breach", "tickets_ticketevent")


def _drop_secondary_indexes(cursor, tables) -> list[str]:
    """Drop the indexes of `tables` that no constraint owns; return their definitions."""
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i
           WHERE i.indrelid = ANY(%s::regclass[])
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [list(tables)],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes]


def seed(total: int, orgs: int, *, texts: dict | None = None) -> None:
    """Seed once: reference data, then `total` requests with their breaches and history."""
    from django.db import connection

    from tickets.models import Ticket

    seed_reference_data(orgs)
    existing = Ticket.objects.count()
    if existing >= total:
        print(f"already seeded: {existing} requests")
        return
    if existing:
        sys.exit(f"{existing} requests already there, fewer than {total}: use a fresh database.")
    started = time.perf_counter()
    texts = texts or PLAIN_TEXTS
    tickets_sql = TICKETS_SQL.format(subject=texts["subject"], description=texts["description"])
    with connection.cursor() as cursor:
        deferred = _drop_secondary_indexes(cursor, SEEDED_TABLES)
        cursor.execute("SELECT setseed(0.42)")
        for label, sql in (
            ("requests", tickets_sql),
            ("breaches", BREACHES_SQL),
            ("events", EVENTS_SQL),
        ):
            step = time.perf_counter()
            cursor.execute(sql, {"count": total, **texts["params"]})
            print(f"  {label}: {cursor.rowcount} rows in {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        for definition in deferred:
            cursor.execute(definition)
        print(f"  {len(deferred)} indexes rebuilt in {time.perf_counter() - step:.1f} s")
        cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.1f} s")


def measure(client, url: str, runs: int) -> dict:
    """Queries, median ms and the slowest query of GET url, after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            if getattr(response, "streaming", False):
                rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
            else:
                rows = None
            timings.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200, (url, response.status_code)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    return {
        "queries": len(captured),
        "ms": statistics.median(timings),
        "rows": rows,
        "slowest_ms": float(slowest["time"]) * 1000,
        "slowest_sql": slowest["sql"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--show-sql", action="store_true", help="print each page's slowest query")
    parser.add_argument("--without-report-indexes", action="store_true",
                        help="drop the proposed report indexes before measuring")  # fmt: skip
    args = parser.parse_args()

    setup_django(postgres_required=True)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from sla.models import Breach
    from tickets.models import Ticket, TicketEvent

    seed(args.tickets, args.orgs)
    ensure_report_indexes(not args.without_report_indexes)
    today = timezone.localdate()
    year = f"from={today - timedelta(days=364):%Y-%m-%d}&to={today:%Y-%m-%d}"
    staff, manager = Client(), Client()
    staff.force_login(User.objects.get(email=SUPERVISOR))
    manager.force_login(User.objects.get(email=MANAGER))
    pages = [
        (name, reverse(f"reports:{name}"))
        for name in ("overview", "sla", "times", "ageing", "engineers", "closure")
    ]

    print(
        f"\n{connection.vendor} {connection.pg_version}, {Ticket.objects.count()} requests, "
        f"{Ticket.objects.filter(status__in=['new', 'in_progress', 'waiting']).count()} open, "
        f"{Breach.objects.count()} breaches, {TicketEvent.objects.count()} events; "
        f"DEBUG={settings.DEBUG}; median of {args.runs} runs after a warm-up\n"
    )
    print(f"{'page':34} {'period':9} {'queries':>7} {'median ms':>10} {'slowest query ms':>17}")
    results = []
    for name, url in pages:
        for period, query in (("30 days", ""), ("1 year", year)):
            results.append((name, period, measure(staff, f"{url}?{query}", args.runs)))
    for period, query in (("contract", ""), ("1 year", year)):
        results.append(
            (
                "customer SLA report (org 0)",
                period,
                measure(manager, f"{reverse('reports:my_sla')}?{query}", args.runs),
            )
        )
    for name, period, r in results:
        print(f"{name:34} {period:9} {r['queries']:7d} {r['ms']:10.1f} {r['slowest_ms']:17.1f}")

    print(f"\n{'CSV export':34} {'period':9} {'rows':>9} {'median ms':>10}")
    exports = [
        ("sla breaches", "sla", "breaches"),
        ("overview: running late", "", "late"),
        ("times by organisation", "times", "times_by_organisation"),
    ]
    for label, page, table in exports:
        url = reverse(f"reports:{page or 'overview'}")
        for period, query in (("30 days", ""), ("1 year", year)):
            r = measure(staff, f"{url}?{query}&format=csv&table={table}", args.runs)
            print(f"{label:34} {period:9} {r['rows']:9d} {r['ms']:10.1f}")
    if args.show_sql:
        for name, period, r in results:
            print(f"\n-- {name}, {period}: slowest {r['slowest_ms']:.1f} ms\n{r['slowest_sql']}")


if __name__ == "__main__":
    main()
