"""The daily table of settled requests (tickets.reports.daily) gives the raw figures exactly.

On the hand-built history of test_reports.py: every table of the overview and SLA pages is
computed with nothing settled (all raw), then after the job settled the requests closed
before a moment — in one run, in two runs, run twice — and must be the same.
"""

from datetime import date, datetime, timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection

from tests.factories import ContractFactory, TicketFactory
from tests.tickets.test_reports import MSK, NOW, PERIOD, at, build_history
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
    ReportTimeOrganizationOctave,
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
        spanned = ("span",) if len(grain.spans) > 1 else ()
        keys = (
            *spanned,
            "month",
            *grain.keys,
            "field",
            grain.cell,
        )
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
    for span in (1, 3, 12):  # the month, and the quarter and year it is in
        rows = ReportTimeMonth.objects.filter(span=span)
        assert sorted(rows.values_list("field", "n", "smallest", "largest")) == [
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


@pytest.mark.parametrize(
    ("months", "covering"),
    [
        # Two years ending in November: a year, three quarters, two months.
        (
            (date(2025, 1, 1), date(2026, 12, 1)),
            [(12, date(2025, 1, 1)), (3, date(2026, 1, 1)), (3, date(2026, 4, 1)),
             (3, date(2026, 7, 1)), (1, date(2026, 10, 1)), (1, date(2026, 11, 1))],
        ),
        # Starting mid-quarter: months up to the quarter, then quarters, no whole year.
        (
            (date(2025, 12, 1), date(2026, 11, 1)),
            [(1, date(2025, 12, 1)), (3, date(2026, 1, 1)), (3, date(2026, 4, 1)),
             (3, date(2026, 7, 1)), (1, date(2026, 10, 1))],
        ),
        ((date(2026, 2, 1), date(2026, 3, 1)), [(1, date(2026, 2, 1))]),
        ((date(2024, 1, 1), date(2026, 1, 1)), [(12, date(2024, 1, 1)), (12, date(2025, 1, 1))]),
    ],
)  # fmt: skip
def test_the_whole_months_as_the_fewest_years_quarters_and_months(months, covering):
    spans = (time_buckets.MONTH, time_buckets.QUARTER, time_buckets.YEAR)
    assert time_buckets.spans_covering(months, spans) == covering
    assert time_buckets.spans_covering(months, (time_buckets.MONTH,)) == [
        (1, start) for start in _month_starts(*months)
    ]


def _month_starts(first, after):
    while first < after:
        yield first
        first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)


@pytest.mark.parametrize("first_month", range(1, 13))
@pytest.mark.parametrize("length", [1, 2, 5, 11, 12, 13, 23, 24, 25, 37])
def test_a_covering_is_every_month_once_each_span_aligned(first_month, length):
    first = date(2024, first_month, 1)
    after = first
    for _ in range(length):
        after = (after.replace(day=28) + timedelta(days=4)).replace(day=1)
    spans = (time_buckets.MONTH, time_buckets.QUARTER, time_buckets.YEAR)
    covering = time_buckets.spans_covering((first, after), spans)
    covered = [
        month for span, start in covering for month in _month_starts(start, _later(start, span))
    ]
    assert covered == list(_month_starts(first, after))
    assert all((start.month - 1) % span == 0 for span, start in covering)
    assert len(covering) <= 2 + 3 + length // 12 + 3 + 2


def _later(start, months):
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def test_two_years_read_from_the_year_and_quarter_rows_give_the_figures_of_every_request(
    customer, other_org_customer
):
    """Requests over two calendar years, settled or live: the by-organisation figures of a
    two-year period, read from a whole year, quarters and months, are those of reading every
    request raw; the overall ones too."""
    for index in range(96):
        closed = index % 4 != 0  # a quarter stays live
        created = datetime(2024, 12, 1, 10, tzinfo=MSK) + timedelta(days=7.6 * index)
        TicketFactory(
            requester=customer if index % 2 else other_org_customer,
            created_at=created,
            status=Ticket.Status.CLOSED if closed else Ticket.Status.RESOLVED,
            closed_at=created + timedelta(days=3) if closed else None,
            resolved_at=created + timedelta(days=2),
            first_response_time=timedelta(seconds=900 + 7 * index),
            resolution_time=timedelta(seconds=400 + 61 * index**2),
        )
    period = Filters(start=date(2024, 12, 4), end=date(2026, 12, 3))
    with time_machine.travel(datetime(2026, 12, 3, 12, tzinfo=MSK), tick=False):
        raw = times.spreads(period)
        daily.settle()
        assert times.spreads(period) == raw
    if not time_buckets.enabled():
        return
    assert time_buckets.spans_covering(time_buckets.whole_months(period), (1, 3, 12))[0] == (
        12,
        date(2025, 1, 1),
    )
    spans = set(ReportTimeOrganizationMonth.objects.values_list("span", flat=True))
    assert spans == {1, 3, 12}
    # Every span counts the same requests.
    totals = {
        span: sum(ReportTimeOrganizationMonth.objects.filter(span=span).values_list("n", flat=True))
        for span in spans
    }
    assert len(set(totals.values())) == 1


def test_the_migration_sums_the_quarters_years_and_octaves_the_job_writes(customer):
    """0031 builds the quarter and year rows and the octaves from the month rows already
    there: the same rows as the job writes for them."""
    if not time_buckets.enabled():
        pytest.skip("the tables are filled on PostgreSQL only")
    for index in range(40):
        created = datetime(2025, 1, 3, 10, tzinfo=MSK) + timedelta(days=11 * index)
        TicketFactory(
            requester=customer,
            created_at=created,
            status=Ticket.Status.CLOSED,
            closed_at=created + timedelta(days=3),
            resolved_at=created + timedelta(days=2),
            first_response_time=timedelta(seconds=60 + 13 * index),
            resolution_time=timedelta(seconds=3000 + 500 * index),
        )
    with time_machine.travel(datetime(2026, 12, 3, 12, tzinfo=MSK), tick=False):
        daily.settle()
    columns = ("span", "month", "organization_id", "field", "bucket", "n", "smallest", "largest")
    octave_columns = ("span", "month", "organization_id", "field", "octave", "n")
    extra = ("n", "smallest", "largest")
    tables = {
        ReportTimeMonth: ("span", "month", "priority", "type", "field", "bucket", *extra),
        ReportTimeOrganizationMonth: columns,
    }

    def spans():
        return {
            table: sorted(table.objects.exclude(span=1).values_list(*names))
            for table, names in tables.items()
        }

    def octaves():
        return sorted(ReportTimeOrganizationOctave.objects.values_list(*octave_columns))

    written, written_octaves = spans(), octaves()
    assert all(written.values())
    assert {row[0] for row in written_octaves} == {1, 3, 12}
    for table in tables:
        table.objects.exclude(span=1).delete()
    ReportTimeOrganizationOctave.objects.all().delete()
    migration = import_module("tickets.migrations.0031_report_time_spans")
    with connection.schema_editor() as editor:
        migration.sum_quarters_years_and_octaves(django_apps, editor)
    assert spans() == written
    assert octaves() == written_octaves


def test_the_organisation_key_includes_the_counts_on_postgresql():
    """The times page reads the buckets of an octave from the key's index alone (0031)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no INCLUDE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'reporttimeorgspan_key'")
        (definition,) = cursor.fetchone()
    assert "(span, month, organization_id, field, bucket) INCLUDE (n, smallest, largest)" in (
        definition
    )


def test_a_month_mostly_in_the_period_is_read_whole_less_its_days_outside(
    customer, other_org_customer, monkeypatch
):
    """From the 4th of October: October is read from the tables whole, less its settled
    requests of the 1st to the 3rd. The counts are exact; the percentiles within the
    sketch's tolerance of the exact ones (a bucket keeps the whole month's ends)."""
    for index in range(120):
        created = datetime(2026, 10, 1, 9, tzinfo=MSK) + timedelta(hours=11 * index)
        closed = index % 5 != 0
        TicketFactory(
            requester=customer if index % 3 else other_org_customer,
            created_at=created,
            status=Ticket.Status.CLOSED if closed else Ticket.Status.IN_PROGRESS,
            closed_at=created + timedelta(days=2) if closed else None,
            resolved_at=created + timedelta(days=1) if closed else None,
            first_response_time=timedelta(seconds=600 + 41 * index),
            resolution_time=timedelta(seconds=2000 + 37 * index**2) if closed else None,
        )
    period = Filters(start=date(2026, 10, 4), end=date(2026, 12, 3))
    with time_machine.travel(datetime(2026, 12, 3, 12, tzinfo=MSK), tick=False):
        daily.settle()
        estimated = times.times_tables(period)
        if time_buckets.enabled():
            reading = time_buckets.trimmed_reading(
                period,
                dated="created_at",
                live=daily.live_parts(daily.settled_before()),
                settled=daily.settled(daily.settled_before()),
            )
            assert reading.months == (date(2026, 10, 1), date(2026, 12, 1))
            assert len(reading.less) == 1
            outside = Ticket.objects.filter(
                reading.less[0], created_at__lt=datetime(2026, 10, 4, tzinfo=MSK)
            )
            assert outside.count() > 0  # something is subtracted
        monkeypatch.setattr(time_buckets, "enabled", lambda model=None: False)
        exact = times.times_tables(period)
    for table, estimates in zip(exact, estimated, strict=True):
        for row, estimate in zip(table.rows, estimates.rows, strict=True):
            assert row[0] == estimate[0], table.name
            for cell, value in zip(row[1:], estimate[1:], strict=True):
                if isinstance(cell, int):
                    assert cell == value, (table.name, row)
                else:
                    assert sketch.within_tolerance(value, cell), (table.name, row, estimate)


@pytest.mark.parametrize(
    ("start", "end", "months", "ends"),
    [
        # From the 4th: the first month whole, less 3 days; the last (3 of 31 days) raw.
        (date(2024, 12, 4), date(2026, 12, 3), (date(2024, 12, 1), date(2026, 12, 1)), 1),
        # From the 20th of a 30-day month: its 11 days raw.
        (date(2025, 11, 20), date(2026, 10, 31), (date(2025, 12, 1), date(2026, 11, 1)), 0),
        # To the 28th: the last month whole, less its last 2 or 3 days.
        (date(2026, 1, 1), date(2026, 11, 28), (date(2026, 1, 1), date(2026, 12, 1)), 1),
        (date(2026, 1, 4), date(2026, 11, 28), (date(2026, 1, 1), date(2026, 12, 1)), 2),
    ],
)
def test_which_end_months_are_read_whole(start, end, months, ends):
    live, settled = daily.live_parts(NOW), daily.settled(NOW)
    period = Filters(start=start, end=end)
    reading = time_buckets.trimmed_reading(period, dated="created_at", live=live, settled=settled)
    assert reading.months == months
    assert len(reading.less) == ends
