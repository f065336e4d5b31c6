"""The daily table of settled requests (tickets.reports.daily) gives the raw figures exactly.

On the hand-built history of test_reports.py: every table of the overview and SLA pages is
computed with nothing settled (all raw), then after the job settled the requests closed
before a moment — in one run, in two runs, run twice — and must be the same.
"""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command

from tests.factories import ContractFactory, TicketFactory
from tests.tickets.test_reports import NOW, PERIOD, at, build_history
from tickets import jobs
from tickets.models import (
    ReportDay,
    ReportDayState,
    ReportEngineerDay,
    ReportEngineerMonth,
    ReportOrganizationDay,
    ReportRepeatAssignment,
    ReportTimeMonth,
    ReportTimeOrganizationMonth,
    Ticket,
    TicketEvent,
)
from tickets.reports import daily, engineers, overview, sketch, sla, time_buckets, times
from tickets.reports.common import Audience
from tickets.reports.filters import Filters

pytestmark = pytest.mark.django_db

LONG = Filters(start=date(2025, 11, 21), end=date(2026, 11, 20))  # a year: counted by week


@pytest.fixture
def history(customer, other_org_customer, agent, supervisor):
    return build_history(customer, other_org_customer, agent, supervisor)


def figures(history) -> dict:
    """Every count of the pages the table serves, for a few periods and facets."""
    result = {}
    facets = [
        PERIOD,
        LONG,
        Filters(start=PERIOD.start, end=PERIOD.end, organization_id=history.alpha.pk),
        Filters(start=PERIOD.start, end=PERIOD.end, type=Ticket.Type.PROBLEM),
        Filters(start=LONG.start, end=LONG.end, priority=Ticket.Priority.NORMAL),
        Filters(
            start=LONG.start,
            end=LONG.end,
            organization_id=history.alpha.pk,
            type=Ticket.Type.PROBLEM,
        ),
        Filters(
            start=LONG.start,
            end=LONG.end,
            priority=Ticket.Priority.NORMAL,
            type=Ticket.Type.PROBLEM,
        ),
    ]
    for index, filters in enumerate(facets):
        tables, total = sla.compliance_tables(filters, now=NOW, audience=Audience.STAFF)
        result[index, "sla"] = [(t.name, t.rows) for t in tables], total
        result[index, "flow"] = overview.flow_table(filters).rows
    return result


def test_settled_requests_read_from_the_table_give_the_raw_figures(history):
    raw = figures(history)
    assert daily.settled_before() is None

    written = daily.settle(now=NOW)

    assert written > 0
    assert daily.settled_before() == NOW - daily.SETTLE_LAG
    settled = Ticket.objects.filter(status=Ticket.Status.CLOSED).count()
    assert filed(ReportDay) == filed(ReportOrganizationDay) == settled == 7
    assert figures(history) == raw


def filed(table) -> int:
    return sum(table.objects.values_list("filed", flat=True))


DAY_TABLES = {**daily.TABLES, ReportEngineerDay: ("engineer_id",)}


def assert_one_row_a_key():
    for table, keys in DAY_TABLES.items():
        distinct = table.objects.values("day", *keys).distinct().count()
        assert table.objects.count() == distinct, table


def test_the_tables_are_coarse_one_row_a_day_per_key(history):
    daily.settle(now=NOW)
    assert_one_row_a_key()
    for keys in daily.TABLES.values():
        assert "organization_id" not in keys or "priority" not in keys


def test_several_runs_keep_one_row_a_day_per_key(history):
    raw, raw_engineers = figures(history), engineers_figures()
    for now in (at(11, 5, 0), at(11, 12, 0), NOW, NOW + daily.SETTLE_LAG):
        daily.settle(now=now)
        assert_one_row_a_key()
    assert figures(history) == raw
    assert engineers_figures() == raw_engineers


def test_a_second_run_adds_its_counts_to_the_day_rows_already_there(customer, agent, supervisor):
    """Requests filed and solved on the same days, with the same key (the contract NULL or
    not), closed on either side of the first run's watermark: the second run adds to the
    first run's rows, which hold the sums of both."""
    contract = ContractFactory(
        organization=customer.organization, starts_on=date(2010, 1, 1), ends_on=date(2010, 12, 31)
    )
    for contract_or_none in (None, contract):
        for closed_on in (10, 20):
            ticket = TicketFactory(
                requester=customer,
                contract=contract_or_none,
                assignee=agent,
                priority=Ticket.Priority.NORMAL,
                type=Ticket.Type.INCIDENT,
                created_at=at(10, 5, 10),
                status=Ticket.Status.CLOSED,
                closed_at=at(10, closed_on, 10),
                resolved_at=at(10, 6, 10),
            )
            # Assigned on the 14th, before and after the first watermark (23:50).
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEvent.Kind.ASSIGNED,
                actor=supervisor,
                assigned_to=agent,
                created_at=at(10, 14, 10) if closed_on == 10 else at(10, 14, 23, 55),
            )
    daily.settle(now=at(10, 15, 0))
    assert ReportDay.objects.count() == 2  # filed on the 5th, resolved on the 6th
    assert ReportOrganizationDay.objects.count() == 4  # the same, with and without contract
    assert ReportEngineerDay.objects.count() == 1
    daily.settle(now=at(10, 25, 0))

    assert sorted(ReportDay.objects.values_list("day", "filed", "resolved")) == [
        (date(2026, 10, 5), 4, 0),
        (date(2026, 10, 6), 0, 4),
    ]
    assert sorted(
        ReportOrganizationDay.objects.values_list("day", "contract_id", "filed", "resolved"),
        key=str,
    ) == sorted(
        [
            (date(2026, 10, 5), None, 2, 0),
            (date(2026, 10, 5), contract.pk, 2, 0),
            (date(2026, 10, 6), None, 0, 2),
            (date(2026, 10, 6), contract.pk, 0, 2),
        ],
        key=str,
    )
    assert list(ReportEngineerDay.objects.values_list("day", "engineer_id", "taken")) == [
        (date(2026, 10, 14), agent.pk, 4)
    ]
    assert_one_row_a_key()


def test_the_sla_page_over_the_tables_takes_a_constant_number_of_queries(
    history, django_assert_num_queries
):
    daily.settle(now=NOW)
    # The watermark, the live rest for every grouping (the requests not closed, those closed
    # since the watermark), the day × priority × type table, the organisation table, the
    # contracts' names.
    with django_assert_num_queries(6):
        sla.compliance_tables(LONG, now=NOW, audience=Audience.STAFF)
    # Narrowed by type: the by-organisation counts are read raw, on their own.
    narrowed = Filters(start=LONG.start, end=LONG.end, type=Ticket.Type.PROBLEM)
    with django_assert_num_queries(6):
        sla.compliance_tables(narrowed, now=NOW, audience=Audience.STAFF)
    # One organisation: everything raw, no table read.
    alone = Filters(start=LONG.start, end=LONG.end, organization_id=history.alpha.pk)
    with django_assert_num_queries(3):
        sla.compliance_tables(alone, now=NOW, audience=Audience.STAFF)


def test_settling_in_two_runs_or_twice_changes_nothing(history):
    raw = figures(history)
    daily.settle(now=at(11, 5, 0))  # T10, T11, T9 and T1 are closed by then
    assert filed(ReportDay) == filed(ReportOrganizationDay) == 4
    assert figures(history) == raw
    daily.settle(now=NOW)
    rows = ReportDay.objects.count()
    assert daily.settle(now=NOW) == 0  # nothing new: no rows, the watermark stays
    assert ReportDay.objects.count() == rows
    assert figures(history) == raw


def test_a_request_closed_after_the_watermark_is_still_counted_live(history):
    daily.settle(now=at(11, 12, 0))
    # T2, auto-closed on the 19th, after the watermark (the 12th, 11:50): still live.
    live = Ticket.objects.filter(daily.live(daily.settled_before()))
    assert history["T2"] in live
    raw_after = figures(history)
    ReportDayState.objects.update(settled_before=None)
    assert figures(history) == raw_after


def test_the_job_and_the_command_settle(history, capsys):
    with time_machine.travel(NOW, tick=False):
        assert jobs.settle_report_days()["rows"] > 0
        call_command("settle_report_days")
    assert "0 row(s) written" in capsys.readouterr().out


def times_figures(history) -> dict:
    """Every figure of the times page, for periods with and without whole months, narrowed."""
    result = {}
    for index, filters in enumerate(
        [
            PERIOD,
            LONG,
            Filters(start=date(2026, 10, 1), end=date(2026, 11, 30)),
            Filters(start=LONG.start, end=LONG.end, type=Ticket.Type.PROBLEM),
            Filters(start=LONG.start, end=LONG.end, priority=Ticket.Priority.NORMAL),
            Filters(start=LONG.start, end=LONG.end, organization_id=history.alpha.pk),
        ]
    ):
        result[index] = [(t.name, t.rows) for t in times.times_tables(filters)]
    return result


def test_the_times_page_over_the_month_tables_gives_the_same_figures(history):
    raw = times_figures(history)
    daily.settle(now=NOW)
    if time_buckets.enabled():
        assert ReportTimeMonth.objects.exists()
        assert ReportTimeOrganizationMonth.objects.exists()
        assert ReportEngineerMonth.objects.exists()
    assert times_figures(history) == raw


def test_the_times_percentiles_agree_with_the_exact_ones_within_the_tolerance(history, monkeypatch):
    daily.settle(now=NOW)
    estimated = times_figures(history)
    monkeypatch.setattr(time_buckets, "enabled", lambda model=None: False)
    exact = times_figures(history)
    for index, tables in exact.items():
        for (name, rows), (_name, estimates) in zip(tables, estimated[index], strict=True):
            for row, estimate in zip(rows, estimates, strict=True):
                assert row[0] == estimate[0], name
                for cell, value in zip(row[1:], estimate[1:], strict=True):
                    if isinstance(cell, int):
                        assert cell == value, (name, row)
                    else:
                        assert sketch.within_tolerance(value, cell), (name, row)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 10, 22), date(2026, 11, 20), None),
        (date(2026, 10, 1), date(2026, 10, 31), (date(2026, 10, 1), date(2026, 11, 1))),
        (date(2025, 11, 21), date(2026, 11, 20), (date(2025, 12, 1), date(2026, 11, 1))),
        (date(2024, 12, 3), date(2026, 12, 2), (date(2025, 1, 1), date(2026, 12, 1))),
        (date(2026, 2, 1), date(2026, 2, 28), (date(2026, 2, 1), date(2026, 3, 1))),
    ],
)
def test_whole_months_of_a_period(start, end, months):
    assert time_buckets.whole_months(Filters(start=start, end=end)) == months


def engineers_figures() -> dict:
    return {
        index: engineers.figures(filters)
        for index, filters in enumerate(
            [
                PERIOD,
                LONG,
                Filters(start=date(2026, 10, 1), end=date(2026, 11, 30)),
                Filters(start=LONG.start, end=LONG.end, priority=Ticket.Priority.NORMAL),
            ]
        )
    }


def test_the_engineers_page_over_the_month_table_gives_the_same_figures(history):
    raw = engineers_figures()
    daily.settle(now=NOW)
    assert engineers_figures() == raw


def test_a_request_assigned_to_the_same_engineer_on_two_days_is_taken_once(
    customer, agent, supervisor
):
    ticket = TicketFactory(
        requester=customer,
        created_at=at(10, 5, 10),
        status=Ticket.Status.CLOSED,
        closed_at=at(10, 9, 10),
    )
    # To the agent on three days, twice on the 6th (at 9:00 and 15:00).
    for moment in (at(10, 5, 9), at(10, 6, 9), at(10, 6, 15), at(10, 8, 9)):
        TicketEvent.objects.create(
            ticket=ticket,
            kind=TicketEvent.Kind.ASSIGNED,
            actor=supervisor,
            assigned_to=agent,
            created_at=moment,
        )
    periods = [
        Filters(start=date(2026, 10, 1), end=date(2026, 10, 31)),
        Filters(start=date(2026, 10, 6), end=date(2026, 10, 6)),
        Filters(start=date(2026, 10, 7), end=date(2026, 10, 8)),
        Filters(start=date(2026, 10, 9), end=date(2026, 10, 31)),
    ]

    def taken():
        return [engineers.counts(filters)["taken"].get(agent.pk, 0) for filters in periods]

    assert taken() == [1, 1, 1, 0]
    daily.settle(now=at(10, 6, 12, 10))  # the watermark between the two entries of the 6th
    assert taken() == [1, 1, 1, 0]
    daily.settle(now=NOW)
    assert ReportRepeatAssignment.objects.count() == 3  # the 5th, 6th and 8th
    assert taken() == [1, 1, 1, 0]
    daily.settle(now=NOW + daily.SETTLE_LAG)
    assert ReportRepeatAssignment.objects.count() == 3
    assert taken() == [1, 1, 1, 0]


def test_the_month_tables_keep_one_row_a_key_over_several_runs(history):
    raw = times_figures(history)
    daily.settle(now=at(11, 5, 0))  # T10, T11, T9 and T1 are closed by then
    daily.settle(now=at(11, 12, 0))
    daily.settle(now=NOW)
    assert times_figures(history) == raw
    for table, grain in time_buckets.TABLES.items():
        keys = ("month", *grain.keys, "field", "bucket")
        assert table.objects.count() == table.objects.values(*keys).distinct().count()


def test_a_second_run_adds_its_counts_to_the_cells_already_there(customer):
    for closed_on in (10, 20):  # the same cells, settled by two runs
        TicketFactory(
            requester=customer,
            created_at=at(10, 5, 10),
            status=Ticket.Status.CLOSED,
            closed_at=at(10, closed_on, 10),
            resolved_at=at(10, 6, 10),
            first_response_time=timedelta(hours=1),
            resolution_time=timedelta(hours=5),
        )
    daily.settle(now=at(10, 15, 0))
    daily.settle(now=at(10, 25, 0))
    if not time_buckets.enabled():
        return
    assert sorted(ReportTimeMonth.objects.values_list("field", "n", "smallest", "largest")) == [
        (0, 2, 3600.0, 3600.0),
        (1, 2, 18000.0, 18000.0),
    ]


def test_the_organisations_percentiles_picked_in_sql_are_those_of_all_the_cells(customer):
    """Many values over whole months and the period's ends, settled or live: the buckets the
    statement picks (time_ranks) give the very figures of merging every cell in Python."""
    for index in range(60):
        closed = index % 3 != 0  # a third stays live
        TicketFactory(
            requester=customer,
            created_at=at(9 + index % 3, 1 + index % 27, 10),
            status=Ticket.Status.CLOSED if closed else Ticket.Status.RESOLVED,
            closed_at=at(11, 1, 10) if closed else None,
            resolved_at=at(11, 1, 9),
            first_response_time=timedelta(seconds=1000 + 3 * index),  # ~15 a bucket
            resolution_time=timedelta(seconds=500 + 97 * index**2),
        )
    period = Filters(start=date(2026, 9, 10), end=date(2026, 11, 20))
    raw = times.spreads(period)["organization"]
    daily.settle(now=NOW)
    assert time_buckets.whole_months(period) == (date(2026, 10, 1), date(2026, 11, 1))
    assert times.spreads(period)["organization"] == raw
