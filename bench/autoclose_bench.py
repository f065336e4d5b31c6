"""Auto-closing at scale: seed N resolved requests past their closing moment, close them all.

    DATABASE_URL=postgres://root@127.0.0.1:5432/proftiket_bench \
        .venv/bin/python bench/autoclose_bench.py --tickets 100000

Prints the total time, requests closed per second and the longest single batch transaction
(how long agents could at most be blocked on one of those rows).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proftiket.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_URL", "dummymail://")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Organization, Role, User  # noqa: E402
from tickets import lifecycle  # noqa: E402
from tickets.models import Ticket, TicketEvent  # noqa: E402


def seed(count: int) -> None:
    organization, _ = Organization.objects.get_or_create(name="Bench Telecom")
    requester, _ = User.objects.get_or_create(
        email="bench@bench.test",
        defaults={"full_name": "Bench", "role": Role.CUSTOMER, "organization": organization},
    )
    Ticket.objects.filter(organization=organization).delete()  # a previous run's leftovers
    with connection.cursor() as cursor:
        # One INSERT ... SELECT: a million-row seed stays a matter of seconds.
        cursor.execute(
            """
            INSERT INTO tickets_ticket (organization_id, requester_id, type, priority, status,
                subject, description, technical_details, blocks_work, created_at,
                last_activity_at, status_changed_at, resolved_at, auto_close_at, close_reason,
                version, sla_paused_for)
            SELECT %s, %s, 'incident', 3, 'resolved', 'bench ' || n, 'bench', '', false,
                   now() - interval '40 days', now() - interval '20 days',
                   now() - interval '20 days', now() - interval '20 days',
                   now() - interval '1 day', '', 1, interval '0'
            FROM generate_series(1, %s) AS n
            """,
            [organization.pk, requester.pk, count],
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=lifecycle.AUTO_CLOSE_BATCH)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (set DATABASE_URL).")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(args.tickets)
    print(f"seeded {args.tickets} resolved requests in {time.perf_counter() - started:.1f} s")

    longest = 0.0
    claim = lifecycle.claim

    def timed_claim(*a, **kw):
        nonlocal longest
        begun = time.perf_counter()
        try:
            return claim(*a, **kw)
        finally:
            longest = max(longest, time.perf_counter() - begun)

    lifecycle.claim = timed_claim
    events_before = TicketEvent.objects.count()
    started = time.perf_counter()
    closed = lifecycle.auto_close_due(now=timezone.now(), batch_size=args.batch)
    took = time.perf_counter() - started
    events = TicketEvent.objects.count() - events_before
    print(f"closed {len(closed)} requests in {took:.1f} s ({len(closed) / took:,.0f}/s), "
          f"batch {args.batch}, {events} history entries")  # fmt: skip
    print(f"longest batch UPDATE: {longest * 1000:.0f} ms")
    assert len(closed) == args.tickets == events
    Ticket.objects.filter(subject__startswith="bench ", organization__name="Bench Telecom").delete()


if __name__ == "__main__":
    main()
