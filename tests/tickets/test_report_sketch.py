"""Percentiles read from bucket counts (tickets.reports.sketch) against the exact ones.

The stated tolerance: within 4.43% of the exact value (2^(1/16) − 1), plus one second of
rounding. Checked on random samples in Python (the bucket rule as the database applies
it), on a few hundred requests in the database, and on the engineers' medians of the
hand-built history of test_reports.py.
"""

import importlib
import math
import random
from datetime import timedelta

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.utils import timezone

from tests.factories import StaffUserFactory, TicketFactory
from tests.tickets.test_reports import PERIOD, build_history
from tickets import lifecycle
from tickets.models import Ticket, TicketEvent
from tickets.reports import engineers, sketch, stats
from tickets.reports.filters import Filters

P = Ticket.Priority


def bucket_of(seconds: float) -> int:
    """The database's bucket rule (sketch.BUCKET_SQL) in Python."""
    if seconds < 1:
        return 0
    return 1 + math.floor(math.log(seconds) * sketch.BUCKETS_PER_DOUBLING / math.log(2))


def cells_of(values):
    buckets: dict[int, list[float]] = {}
    for value in values:
        buckets.setdefault(bucket_of(value), []).append(value)
    return [(b, len(v), min(v), max(v)) for b, v in buckets.items()]


def exact(values, percentile):
    return timedelta(seconds=round(stats.percentile_cont(sorted(values), percentile)))


@pytest.mark.parametrize("seed", range(40))
def test_percentiles_from_buckets_are_within_the_stated_tolerance(seed):
    rng = random.Random(seed)
    size = rng.choice([1, 2, 3, 10, 100, 1000, 5000])
    # Business times from seconds to months, log-spread like real ones, some repeated.
    values = [round(math.exp(rng.uniform(0, 16))) for _ in range(size)]
    values += values[: size // 10]
    spread = sketch.spread_of(cells_of(values))
    assert spread.count == len(values)
    assert sketch.within_tolerance(spread.median, exact(values, stats.MEDIAN))
    assert sketch.within_tolerance(spread.p90, exact(values, stats.P90))


def test_one_or_two_values_in_a_bucket_come_out_exact():
    values = [3600, 3700, 7200, 86400]  # 1:00 and 1:01:40 share a bucket
    spread = sketch.spread_of(cells_of(values))
    assert spread.median == exact(values, stats.MEDIAN)
    assert spread.p90 == exact(values, stats.P90)


def test_nothing_to_count():
    assert sketch.spread_of([]) == sketch.EMPTY


@pytest.mark.django_db
def test_the_database_pass_agrees_with_the_exact_percentiles(customer):
    rng = random.Random(7)
    for _ in range(300):
        TicketFactory(
            requester=customer,
            priority=rng.choice(P.values),
            type=rng.choice(Ticket.Type.values),
            first_response_time=timedelta(seconds=round(math.exp(rng.uniform(3, 11)))),
            resolution_time=(
                None
                if rng.random() < 0.2
                else timedelta(seconds=round(math.exp(rng.uniform(6, 15))))
            ),
        )
    fields = ["first_response_time", "resolution_time"]
    groupings = {"overall": (), "priority": ("priority",), "type": ("type",)}
    result = sketch.spreads_by(Ticket.objects.all(), fields=fields, groupings=groupings)
    for name, grouping in groupings.items():
        exactly = stats.duration_spreads(
            Ticket.objects.all(), fields=fields, group_by={key: key for key in grouping}
        )
        assert set(result[name]) == set(exactly)
        for key, per_field in exactly.items():
            for field, spread in per_field.items():
                estimate = result[name][key][field]
                assert estimate.count == spread.count
                assert sketch.within_tolerance(estimate.median, spread.median), (name, key)
                assert sketch.within_tolerance(estimate.p90, spread.p90), (name, key)


@pytest.mark.django_db
def test_an_empty_period_has_an_overall_row_with_nothing():
    result = sketch.spreads_by(
        Ticket.objects.all(),
        fields=["resolution_time"],
        groupings={"overall": (), "priority": ("priority",)},
    )
    assert result["overall"] == {(): {"resolution_time": sketch.EMPTY}}
    assert result["priority"] == {}


@pytest.mark.django_db
def test_the_engineers_medians_on_the_hand_built_history_agree_with_the_exact_ones(
    customer, other_org_customer, agent, supervisor, monkeypatch
):
    build_history(customer, other_org_customer, agent, supervisor)
    approximate = engineers.medians(PERIOD)
    monkeypatch.setattr(engineers.time_buckets, "enabled", lambda model=None: False)
    monkeypatch.setattr(
        engineers,
        "spreads_by",
        lambda queryset, *, fields, groupings: {
            name: stats.duration_spreads(
                queryset, fields=fields, group_by={key: key for key in grouping}
            )
            for name, grouping in groupings.items()
        },
    )
    exactly = engineers.medians(PERIOD)
    assert set(approximate) == set(exactly)
    for engineer, per_field in exactly.items():
        for field, spread in per_field.items():
            estimate = approximate[engineer][field]
            assert estimate.count == spread.count
            assert sketch.within_tolerance(estimate.median, spread.median)
            assert sketch.within_tolerance(estimate.p90, spread.p90)


@pytest.mark.django_db
def test_assignment_entries_name_the_engineer_in_their_own_column(customer, agent, supervisor):
    ticket = TicketFactory(requester=customer)
    lifecycle.assign(ticket, actor=supervisor, assignee=agent)
    lifecycle.assign(ticket, actor=supervisor, assignee=None)
    given, released = TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED).order_by("pk")
    assert (given.assigned_to, released.assigned_to) == (agent, None)


@pytest.mark.django_db
def test_the_migration_fills_the_column_from_the_entries_json(customer, agent, supervisor):
    gone_id = StaffUserFactory().pk + 1000  # nobody
    ticket = TicketFactory(requester=customer)
    make = TicketEvent.objects.create
    filled = make(ticket=ticket, kind="assigned", data={"from": None, "to": agent.pk})
    released = make(ticket=ticket, kind="assigned", data={"from": agent.pk, "to": None})
    unknown = make(ticket=ticket, kind="assigned", data={"to": gone_id})
    other = make(ticket=ticket, kind="priority_changed", data={"from": 3, "to": 2})
    migration = importlib.import_module("tickets.migrations.0021_event_assigned_to")

    class Editor:
        connection = connection

    migration.backfill(global_apps, Editor())
    migration.backfill(global_apps, Editor())  # rerun: nothing changes

    assert {e.pk: e.assigned_to_id for e in TicketEvent.objects.all()} == {
        filled.pk: agent.pk,
        released.pk: None,
        unknown.pk: None,
        other.pk: None,
    }


@pytest.mark.django_db
def test_taken_counts_requests_by_the_assigned_column(customer, agent, supervisor):
    ticket = TicketFactory(requester=customer)
    lifecycle.assign(ticket, actor=supervisor, assignee=agent)
    lifecycle.assign(ticket, actor=supervisor, assignee=supervisor)
    lifecycle.assign(ticket, actor=supervisor, assignee=agent)  # the same request again
    today = timezone.localdate(ticket.created_at)
    assert engineers.taken(Filters(start=today, end=today)) == {agent.pk: 1, supervisor.pk: 1}
