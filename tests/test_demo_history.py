"""seed_demo's two years of history: idempotent, consistent as the lifecycle would leave it,
and enough for every report chart to say something.

Seeded once for the module ("now" frozen on Friday 2026-11-20 12:00 Moscow); the time it
takes is reported by the command's caller, not asserted here.
"""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from proftiket import demo_history
from sla import clock
from sla.models import Breach, SupportPlan
from tickets import jobs, outbox, reports
from tickets.models import (
    CLOCK_RUNNING_STATUSES,
    DONE_STATUSES,
    Comment,
    Rating,
    Ticket,
    TicketEvent,
)
from tickets.reports.filters import Filters

pytestmark = [pytest.mark.demo_history, pytest.mark.django_db]
NOW = datetime(2026, 11, 20, 12, tzinfo=ZoneInfo("Europe/Moscow"))
S, Kind = Ticket.Status, TicketEvent.Kind
MODELS = (Ticket, Comment, TicketEvent, Breach, Rating)


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """seed_demo twice (the second adds nothing), in a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False), _debug():
            call_command("seed_demo")
            first = counts()
            call_command("seed_demo")
        yield {"first": first, "second": counts()}
        transaction.set_rollback(True)


class _debug:
    def __enter__(self):
        from django.conf import settings

        self.settings, self.was = settings, settings.DEBUG
        settings.DEBUG = True

    def __exit__(self, *exc):
        self.settings.DEBUG = self.was


def history_tickets():
    return Ticket.objects.filter(created_at__lt=NOW - timedelta(minutes=1))


# --- How much, and idempotent ------------------------------------------------------------------


def test_it_writes_a_few_thousand_requests_with_their_conversations(seeded):
    first = seeded["first"]
    assert history_tickets().count() == demo_history.HISTORY_REQUESTS == 3000
    assert first["Ticket"] == 3000 + 9  # and the nine requests of the short demo
    assert first["Comment"] > 2 * 3000
    assert first["TicketEvent"] > 6 * 3000
    assert 300 < first["Breach"] < 1200
    assert 900 < first["Rating"] < 1800


def test_running_it_again_adds_nothing(seeded):
    assert seeded["second"] == seeded["first"]


def test_every_month_of_two_years_has_requests_ratings_and_eight_organisations(seeded):
    months = Counter(
        (timezone.localtime(at).year, timezone.localtime(at).month)
        for at in history_tickets().values_list("created_at", flat=True)
    )
    rated = Counter(
        (timezone.localtime(at).year, timezone.localtime(at).month)
        for at in Rating.objects.values_list("created_at", flat=True)
    )
    first = date(2024, 12, 1)
    expected = {(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1)
                for i in range(24)}  # fmt: skip
    assert expected <= set(months)
    assert all(months[m] >= 40 for m in expected)
    assert sum(1 for m in expected if rated[m]) >= 22
    organisations = history_tickets().values("organization").distinct().count()
    assert organisations == 8


def test_every_kind_of_ending_and_trouble_is_there(seeded):
    reasons = Counter(history_tickets().values_list("close_reason", flat=True))
    C = Ticket.CloseReason
    assert reasons[C.CONFIRMED] > 1000 and reasons[C.AUTO] > 500 and reasons[C.WITHDRAWN] > 30
    kinds = Counter(TicketEvent.objects.values_list("kind", flat=True))
    for kind in (Kind.DISPUTED, Kind.INFO_REQUESTED, Kind.SLA_BREACHED, Kind.RATED,
                 Kind.AUTO_CLOSE_REMINDER, Kind.CUSTOMER_REPLIED):  # fmt: skip
        assert kinds[kind] > 10, kind
    open_now = Counter(history_tickets().exclude(status=S.CLOSED).values_list("status", flat=True))
    assert set(open_now) == {S.NEW, S.IN_PROGRESS, S.WAITING, S.RESOLVED}
    assert Breach.objects.filter(met_at__isnull=True).exists()  # late and still open


def test_a_past_major_incident_joins_requests_of_three_organisations(seeded):
    incident = Ticket.objects.get(is_major_incident=True)
    children = list(incident.children.all())
    assert incident.status == S.CLOSED and incident.incident_title
    assert incident.created_at < NOW - timedelta(days=59)
    assert len(children) == 2 and all(c.status == S.CLOSED for c in children)
    assert len({incident.organization_id, *(c.organization_id for c in children)}) == 3
    marked = incident.events.get(kind=Kind.INCIDENT_MARKED)
    assert incident.created_at < marked.created_at < incident.closed_at and not marked.is_public
    for child in children:
        attached = child.events.get(kind=Kind.INCIDENT_ATTACHED)
        assert attached.is_public and attached.data == {"incident": incident.pk}
        assert marked.created_at < attached.created_at < child.closed_at
    assert incident.events.filter(kind=Kind.INCIDENT_ATTACHED).count() == 2


# --- Consistent as the lifecycle would leave it ----------------------------------------------


def test_each_status_is_the_one_its_history_ends_on(seeded):
    last = {}
    events = TicketEvent.objects.exclude(to_status="").order_by("created_at", "pk")
    for ticket_id, to_status in events.values_list("ticket_id", "to_status"):
        last[ticket_id] = to_status
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert last == statuses


def test_the_fields_follow_the_status(seeded):
    for t in history_tickets().select_related("plan"):
        if t.status == S.CLOSED:
            assert t.closed_at and t.close_reason, t.pk
        if t.close_reason in (Ticket.CloseReason.CONFIRMED, Ticket.CloseReason.AUTO):
            assert t.resolved_at <= t.closed_at and t.resolution_time is not None, t.pk
            assert t.first_response_at <= t.resolved_at, t.pk
        if t.status in CLOCK_RUNNING_STATUSES:
            assert t.sla_paused_since is None, t.pk
        else:
            assert t.sla_paused_since is not None, t.pk
        if t.status in DONE_STATUSES or t.status == S.WAITING:
            assert t.first_response_at is not None or t.close_reason, t.pk
        assert (t.auto_close_at is not None) == (t.status == S.RESOLVED), t.pk
        assert t.created_at <= t.status_changed_at <= t.last_activity_at < NOW, t.pk


def test_an_engineer_is_the_one_the_history_assigned(seeded):
    assigned = dict(
        TicketEvent.objects.filter(kind=Kind.ASSIGNED).values_list("ticket_id", "data__to")
    )
    engineers = dict(history_tickets().filter(assignee__isnull=False).values_list("pk", "assignee"))
    assert engineers == {pk: assigned[pk] for pk in engineers}
    short_demo = Ticket.objects.filter(created_at__gte=NOW - timedelta(minutes=1))
    assert set(assigned) <= set(engineers) | set(short_demo.values_list("pk", flat=True))


def test_support_replies_within_support_hours(seeded):
    schedules = {plan.pk: plan.calendar.schedule() for plan in SupportPlan.objects.all()}
    replies = TicketEvent.objects.filter(
        kind__in=[Kind.REPLIED, Kind.RESOLVED, Kind.INFO_REQUESTED], ticket__in=history_tickets()
    ).values_list("created_at", "ticket__plan_id")
    for at, plan_id in replies:
        # Open hours just before the moment: inside them, or exactly at their end.
        assert clock.business_time_between(schedules[plan_id], at - timedelta(minutes=1), at)


def test_late_targets_have_their_breach_and_met_ones_none(seeded):
    breached = defaultdict(set)
    for ticket_id, target, late_by in Breach.objects.values_list("ticket_id", "target", "late_by"):
        breached[ticket_id].add(target)
        assert late_by is None or late_by > timedelta(0)
    closed = history_tickets().filter(close_reason=Ticket.CloseReason.CONFIRMED)
    for t in closed.select_related("plan").prefetch_related("plan__targets"):
        target = t.plan.targets_for(t.priority)
        if t.first_response_time > target.first_response:
            assert "first_response" in breached[t.pk], t.pk
        if t.resolution_time > target.resolution:
            assert "resolution" in breached[t.pk], t.pk
        if "resolution" not in breached[t.pk]:
            assert t.resolution_time <= target.resolution, t.pk


def test_ratings_belong_to_requests_closed_by_confirmation_or_automatically(seeded):
    ratings = Rating.objects.select_related("ticket")
    for rating in ratings:
        ticket = rating.ticket
        assert ticket.close_reason in (Ticket.CloseReason.CONFIRMED, Ticket.CloseReason.AUTO)
        assert rating.rated_by_id == ticket.requester_id
        assert ticket.closed_at <= rating.created_at < NOW
    assert TicketEvent.objects.filter(kind=Kind.RATED).count() == ratings.count()
    scores = Counter(ratings.values_list("score", flat=True))
    assert set(scores) == {1, 2, 3, 4, 5} and scores[5] > scores[1]


def test_nobody_is_mailed_and_the_jobs_find_nothing_left_to_do(seeded):
    assert not TicketEvent.objects.filter(notified_at__isnull=True).exists()
    assert outbox.sweep(now=NOW).dispatched == 0
    assert jobs.sla_monitor(now=NOW) == {
        "breaches_recorded": 0,
        "breaches_notified": 0,
        "warned": 0,
        "escalated": 0,
    }
    assert jobs.auto_close(now=NOW) == {"reminded": 0, "closed": 0}


# --- Every report says something ----------------------------------------------------------------


@pytest.mark.parametrize("page", list(reports.PAGES))
def test_every_report_page_has_figures_over_two_years(seeded, page):
    period = Filters(start=date(2024, 11, 21), end=date(2026, 11, 20))
    report = reports.build(reports.PAGES[page], period, now=NOW)
    assert report.tables
    for name, table in report.tables.items():
        rows = list(table.rows)
        numbers = [v for row in rows for v in row if isinstance(v, int | float)]
        assert rows and (any(numbers) or not numbers), (page, name)
    for name, chart in report.charts.items():
        drawn = [bar.height for bar in chart.bars] + [len(line.points) for line in chart.lines]
        assert any(drawn), (page, name)
