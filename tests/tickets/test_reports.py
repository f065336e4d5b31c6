"""Report figures against a small hand-built history with known answers (SQLite and PostgreSQL).

The requests are filed and worked through tickets.lifecycle at fixed moments, so their due
times, business times and breaches are computed for real on the plan's support hours
(Mon–Fri 09–21, Sat–Sun 10–20 Moscow; Normal 4 h / 24 h, High 1 h / 8 h, Low 8 h / 40 h).
"Now" is Friday 2026-11-20 12:00; the default period is 2026-10-22 – 2026-11-20.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import translation

from accounts.models import Role
from sla.models import Breach
from tests.factories import StaffUserFactory, TicketFactory
from tickets import charts, lifecycle, sla_monitor
from tickets.models import Ticket
from tickets.reports import ageing, closure, customer, engineers, overview, sla, stats, times
from tickets.reports.filters import Filters
from tickets.reports.tables import Kind, hours_minutes

MSK = ZoneInfo("Europe/Moscow")
T = Ticket.Type
P = Ticket.Priority
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Labels in English: the assertions are about data, not about the Russian catalogue."""
    with translation.override("en"):
        yield


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


NOW = at(11, 20, 12)
PERIOD = Filters(start=date(2026, 10, 22), end=date(2026, 11, 20))


def hm(text: str) -> timedelta:
    hours, minutes = text.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


@dataclass
class History:
    """The requests of the hand-built history by name, and the people."""

    tickets: dict
    alpha: object
    beta: object
    agent: object  # "A"
    agent2: object  # "B"
    supervisor: object

    def __getitem__(self, name) -> Ticket:
        return self.tickets[name]


def build_history(customer, other_org_customer, agent, supervisor) -> History:
    """Twelve requests of Alpha (and one of Beta) with their known outcome (see each line)."""
    agent2 = StaffUserFactory(email="boris@support.test", full_name="Boris Engineer")
    tickets = {}

    def do(when, action, *args, **kwargs):
        with time_machine.travel(when, tick=False):
            return action(*args, **kwargs)

    def file(name, when, requester=customer, type=T.INCIDENT, blocks_work=False):
        tickets[name] = do(
            when,
            lifecycle.create_ticket,
            requester=requester,
            type=type,
            subject=f"Request {name}",
            description="—",
            blocks_work=blocks_work,
        )
        return tickets[name]

    # T1 Normal: answered in 1 h, resolved in 5 h, confirmed. Both targets met.
    t = file("T1", at(11, 2, 10))
    do(at(11, 2, 10, 30), lifecycle.take, t, actor=agent)
    do(at(11, 2, 11), lifecycle.reply, t, actor=agent, body="Смотрим.")
    do(at(11, 2, 15), lifecycle.resolve, t, actor=agent, solution="Готово.")
    do(at(11, 3, 10), lifecycle.confirm, t, actor=customer)

    # T2 Normal, filed Friday 20:00: first response due Sat 13:00, answered Monday 10:00
    # (22 h of business time, late by 18 h); resolved Monday 12:00, exactly at its due time
    # (24 h): met. Closed automatically on Thursday 19th.
    t = file("T2", at(11, 6, 20))
    do(at(11, 9, 9, 30), lifecycle.take, t, actor=agent2)
    do(at(11, 9, 10), lifecycle.reply, t, actor=agent2, body="Смотрим.")
    do(at(11, 9, 12), lifecycle.resolve, t, actor=agent2, solution="Готово.")
    do(at(11, 19, 0), lifecycle.auto_close, t, now=at(11, 19, 0))

    # T3 Problem → High: asked a question after 30 min, the clock stopped 11.5 h; A's
    # solution (2.5 h) disputed; B resolves at 19:00, 30 min after the moved due time 18:30
    # (8.5 h in all). First response met, resolution missed by 0:30.
    t = file("T3", at(11, 10, 10), type=T.PROBLEM)
    do(at(11, 10, 10, 15), lifecycle.take, t, actor=agent)
    do(at(11, 10, 10, 30), lifecycle.request_info, t, actor=agent, question="Логи?")
    do(at(11, 11, 10), lifecycle.reply, t, actor=customer, body="Вот.")
    do(at(11, 11, 12), lifecycle.resolve, t, actor=agent, solution="Перезапустили.")
    do(at(11, 11, 13), lifecycle.dispute, t, actor=customer, reason="Не помогло.")
    do(at(11, 11, 13, 30), lifecycle.assign, t, actor=supervisor, assignee=agent2)
    do(at(11, 11, 19), lifecycle.resolve, t, actor=agent2, solution="Заменили плату.")
    do(at(11, 12, 10), lifecycle.confirm, t, actor=customer)

    # T4 Service request, Low (8 h / 40 h), never touched: both due (Thu 18:00, Sun 17:00)
    # before the monitor's run on Tuesday 17th, which records both breaches (still open).
    file("T4", at(11, 12, 10), type=T.SERVICE_REQUEST)
    do(at(11, 12, 10, 5), lifecycle.set_priority, tickets["T4"], actor=agent, priority=P.LOW)

    # T5 blocks work → High: answered in 20 min; resolution due Mon 18:00, still in work:
    # the monitor records the resolution breach.
    t = file("T5", at(11, 16, 10), blocks_work=True)
    do(at(11, 16, 10, 10), lifecycle.take, t, actor=agent)
    do(at(11, 16, 10, 20), lifecycle.reply, t, actor=agent, body="Смотрим.")
    with time_machine.travel(at(11, 17, 9), tick=False):
        sla_monitor.record_breaches(now=at(11, 17, 9))

    # T6 Change request, Normal, filed after the monitor's run, never touched: first response
    # due Wed 14:00, resolution Fri 10:00, both passed "now" without a Breach row.
    file("T6", at(11, 18, 10), type=T.CHANGE_REQUEST)

    # T7 Normal, filed Thu 20:30: first response due Fri 12:30, at risk from 11:42.
    file("T7", at(11, 19, 20, 30))

    # T8 Beta, Normal: answered in 2 h, resolved in 12 h, then withdrawn. Both met.
    t = file("T8", at(11, 9, 10), requester=other_org_customer)
    do(at(11, 9, 11), lifecycle.take, t, actor=agent)
    do(at(11, 9, 12), lifecycle.reply, t, actor=agent, body="Смотрим.")
    do(at(11, 10, 10), lifecycle.resolve, t, actor=agent, solution="Готово.")
    do(at(11, 10, 11), lifecycle.withdraw, t, actor=other_org_customer)

    # T9 Normal, closed by support as a duplicate before any answer: counted nowhere.
    t = file("T9", at(11, 3, 10))
    do(at(11, 3, 10, 30), lifecycle.close, t, actor=agent, note="Дубликат")

    # T10 Normal, October: answered in 1 h; solved at 16:00, reopened by support at 17:00,
    # solved again at 18:00 (7 h of business time), confirmed.
    t = file("T10", at(10, 28, 10))
    do(at(10, 28, 10, 30), lifecycle.take, t, actor=agent)
    do(at(10, 28, 11), lifecycle.reply, t, actor=agent, body="Смотрим.")
    do(at(10, 28, 16), lifecycle.resolve, t, actor=agent, solution="Готово.")
    do(at(10, 28, 17), lifecycle.reopen, t, actor=agent)
    do(at(10, 28, 18), lifecycle.resolve, t, actor=agent, solution="Теперь готово.")
    do(at(10, 29, 10), lifecycle.confirm, t, actor=customer)

    # T11 September (before the period): answered in 10 min, resolved in 1 h.
    t = file("T11", at(9, 15, 10))
    do(at(9, 15, 10, 5), lifecycle.take, t, actor=agent)
    do(at(9, 15, 10, 10), lifecycle.reply, t, actor=agent, body="Смотрим.")
    do(at(9, 15, 11), lifecycle.resolve, t, actor=agent, solution="Готово.")
    do(at(9, 16, 10), lifecycle.confirm, t, actor=customer)

    # T12 Normal, 5 October (before the period): A took it and asked a question in 30 min;
    # it has waited for the customer ever since (open for over 30 days, clock stopped).
    t = file("T12", at(10, 5, 10))
    do(at(10, 5, 10, 15), lifecycle.take, t, actor=agent)
    do(at(10, 5, 10, 30), lifecycle.request_info, t, actor=agent, question="Какой номер?")

    for ticket in tickets.values():
        ticket.refresh_from_db()
    return History(
        tickets=tickets,
        alpha=customer.organization,
        beta=other_org_customer.organization,
        agent=agent,
        agent2=agent2,
        supervisor=supervisor,
    )


@pytest.fixture
def history(customer, other_org_customer, agent, supervisor):
    return build_history(customer, other_org_customer, agent, supervisor)


def rows_by_label(table) -> dict:
    return {row[0]: row[1:] for row in table.rows}


class TestTheHistoryIsWhatItSays:
    """The lifecycle computed the times and breaches the docstrings promise."""

    def test_business_times_and_breaches(self, history):
        h = history
        assert h["T1"].first_response_time == hm("1:00")
        assert h["T1"].resolution_time == hm("5:00")
        assert h["T2"].first_response_time == hm("22:00")
        assert h["T2"].resolution_time == hm("24:00")
        assert h["T3"].first_response_time == hm("0:30")
        assert h["T3"].resolution_time == hm("8:30")
        assert h["T3"].priority == P.HIGH
        assert h["T4"].priority == P.LOW
        assert h["T4"].first_response_due_at == at(11, 12, 18)
        assert h["T4"].resolution_due_at == at(11, 15, 17)
        assert h["T5"].priority == P.HIGH and h["T5"].first_response_time == hm("0:20")
        assert h["T7"].first_response_due_at == at(11, 20, 12, 30)
        assert h["T7"].first_response_risk_at == at(11, 20, 11, 42)
        assert h["T10"].resolution_time == hm("7:00")
        assert h["T12"].status == Ticket.Status.WAITING
        breaches = {(b.ticket_id, b.target): b.late_by for b in Breach.objects.all()}
        assert breaches == {
            (h["T2"].pk, "first_response"): hm("18:00"),
            (h["T3"].pk, "resolution"): hm("0:30"),
            (h["T4"].pk, "first_response"): None,
            (h["T4"].pk, "resolution"): None,
            (h["T5"].pk, "resolution"): None,
        }


class TestSlaCompliance:
    def test_overall_counts_filed_in_the_period_with_targets(self, history):
        total = sla.overall(PERIOD, now=NOW)
        # First response: met T1 T3 T5 T8 T10; missed T2 (breach) T4 (breach) T6 (running,
        # past due, no row yet); T7 not due yet, T9 closed unanswered: not counted.
        assert (total.first_met, total.first_missed) == (5, 3)
        assert total.first_rate == 62.5
        # Resolution: met T1 T2 (exactly at the due time) T8 T10; missed T3 T4 T5 (breaches)
        # T6 (running past due); T7 not due, T9 closed without a solution.
        assert (total.resolution_met, total.resolution_missed) == (4, 4)
        assert total.resolution_rate == 50.0

    def test_by_organisation_and_contract(self, history):
        grouped = sla.compliance(PERIOD, now=NOW, by=["organization"])["organization"]
        rows = {key[0]: (key[1], c) for key, c in grouped}
        alpha_contract = history.alpha.contracts.get().number
        contract, alpha = rows["Alpha Telecom"]
        assert contract == alpha_contract
        assert alpha.cells() == (4, 3, 57.1, 3, 4, 42.9)
        assert rows["Beta Telecom"][1].cells() == (1, 0, 100.0, 1, 0, 100.0)

    def test_by_priority_type_and_month(self, history):
        figures = sla.compliance(PERIOD, now=NOW, by=["priority", "type", "month"])
        by_priority = {key[0]: c.cells() for key, c in figures["priority"]}
        assert by_priority == {
            P.HIGH: (2, 0, 100.0, 0, 2, 0.0),
            P.NORMAL: (3, 2, 60.0, 4, 1, 80.0),
            P.LOW: (0, 1, 0.0, 0, 1, 0.0),
        }
        by_type = {key[0]: c.cells() for key, c in figures["type"]}
        assert by_type == {
            T.INCIDENT: (4, 1, 80.0, 4, 1, 80.0),
            T.PROBLEM: (1, 0, 100.0, 0, 1, 0.0),
            T.SERVICE_REQUEST: (0, 1, 0.0, 0, 1, 0.0),
            T.CHANGE_REQUEST: (0, 1, 0.0, 0, 1, 0.0),
        }
        tables, total = sla.compliance_tables(PERIOD, now=NOW, audience="staff")
        tables = {t.name: t for t in tables}
        assert total.breach_rows == 5
        months = [(row[0], row[1:]) for row in tables["by_month"].rows]
        assert months == [
            (date(2026, 10, 1), (1, 0, 100.0, 1, 0, 100.0)),
            (date(2026, 11, 1), (4, 3, 57.1, 3, 4, 42.9)),
        ]

    def test_filters_narrow_the_cohort(self, history):
        beta = Filters(start=PERIOD.start, end=PERIOD.end, organization_id=history.beta.pk)
        assert sla.overall(beta, now=NOW).cells() == (1, 0, 100.0, 1, 0, 100.0)
        high = Filters(start=PERIOD.start, end=PERIOD.end, priority=P.HIGH)
        assert sla.overall(high, now=NOW).cells() == (2, 0, 100.0, 0, 2, 0.0)
        problems = Filters(start=PERIOD.start, end=PERIOD.end, type=T.PROBLEM)
        assert sla.overall(problems, now=NOW).cells() == (1, 0, 100.0, 0, 1, 0.0)
        # From 1 October: T12 joins (answered in time; waiting, so its resolution is not counted).
        october = Filters(start=date(2026, 10, 1), end=PERIOD.end)
        assert sla.overall(october, now=NOW).cells() == (6, 3, 66.7, 4, 4, 50.0)

    def test_breach_list_with_lateness_or_still_open(self, history):
        h = history
        table = sla.breach_table(PERIOD, audience="staff", limit=50)
        rows = [(r[0].pk, r[5], r[6], r[8]) for r in table.rows]
        assert rows == [
            (h["T5"].pk, "Resolution", at(11, 16, 18), None),
            (h["T4"].pk, "First response", at(11, 12, 18), None),
            (h["T4"].pk, "Resolution", at(11, 15, 17), None),
            (h["T3"].pk, "Resolution", at(11, 11, 18, 30), hm("0:30")),
            (h["T2"].pk, "First response", at(11, 7, 13), hm("18:00")),
        ]
        assert table.total == 5
        assert table.columns[8].kind == Kind.DURATION and table.columns[8].empty  # "still open"
        assert table.rows[0][0].url == f"/admin/tickets/ticket/{h['T5'].pk}/change/"

    def test_breach_list_page_shows_the_latest_and_counts_them_all(self, history):
        table = sla.breach_table(PERIOD, audience="staff", limit=2)
        assert len(table.rows) == 2 and table.total == 5 and table.truncated


class TestTimes:
    def test_median_and_90th_percentile_overall(self, history):
        table = times.times_tables(PERIOD)[0]
        # First response: 0:20 0:30 1:00 1:00 2:00 22:00 → median 1:00; p90 at 4.5 → 12:00.
        # Resolution: 5:00 7:00 8:30 12:00 24:00 → median 8:30; p90 at 3.6 → 19:12.
        assert table.rows[0][1:] == (6, hm("1:00"), hm("12:00"), 5, hm("8:30"), hm("19:12"))

    def test_by_priority_type_and_organisation(self, history):
        tables = {t.name: t for t in times.times_tables(PERIOD)}
        by_priority = rows_by_label(tables["times_by_priority"])
        assert by_priority["Normal"] == (4, hm("1:30"), hm("16:00"), 4, hm("9:30"), hm("20:24"))
        assert by_priority["High"] == (2, hm("0:25"), hm("0:29"), 1, hm("8:30"), hm("8:30"))
        assert by_priority["Low"] == (0, None, None, 0, None, None)
        assert by_priority["Critical"] == (0, None, None, 0, None, None)
        by_type = rows_by_label(tables["times_by_type"])
        assert by_type["Problem"] == (1, hm("0:30"), hm("0:30"), 1, hm("8:30"), hm("8:30"))
        by_org = rows_by_label(tables["times_by_organisation"])
        # Alpha: 0:20 0:30 1:00 1:00 22:00 → p90 at 3.6 → 1:00 + 0.6 × 21:00 = 13:36.
        assert by_org["Alpha Telecom"][:3] == (5, hm("1:00"), hm("13:36"))
        assert by_org["Beta Telecom"] == (1, hm("2:00"), hm("2:00"), 1, hm("12:00"), hm("12:00"))


class TestPercentiles:
    """The same percentile definition (linear interpolation) on both databases."""

    @pytest.fixture
    def durations(self, customer):
        hours = {P.NORMAL: [1, 2, 3, 4, 10], P.HIGH: [4, 1, 3, 2], P.LOW: [7]}
        for priority, values in hours.items():
            for value in values:
                TicketFactory(
                    requester=customer,
                    priority=priority,
                    first_response_time=timedelta(hours=value),
                )
        TicketFactory(requester=customer, priority=P.LOW, first_response_time=None)

    def spreads(self):
        return stats.duration_spreads(
            Ticket.objects.all(), fields=["first_response_time"], group_by={"p": "priority"}
        )

    def test_median_and_p90_interpolate_between_the_nearest_ranks(self, durations):
        result = {key[0]: value["first_response_time"] for key, value in self.spreads().items()}
        # 1 2 3 4 10: median 3; p90 at 0.9 × 4 = 3.6 → 4 + 0.6 × 6 = 7.6 h.
        assert result[P.NORMAL] == stats.Spread(5, timedelta(hours=3), timedelta(hours=7.6))
        # 1 2 3 4: median at 1.5 → 2.5 h; p90 at 2.7 → 3.7 h.
        assert result[P.HIGH] == stats.Spread(4, timedelta(hours=2.5), timedelta(hours=3.7))
        # One value (the empty one does not count).
        assert result[P.LOW] == stats.Spread(1, timedelta(hours=7), timedelta(hours=7))

    def test_ungrouped_and_empty(self, durations):
        overall = stats.duration_spreads(Ticket.objects.all(), fields=["first_response_time"])
        assert overall[()]["first_response_time"].count == 10
        assert overall[()]["first_response_time"].median == timedelta(hours=3)
        empty = stats.duration_spreads(Ticket.objects.none(), fields=["resolution_time"])
        assert empty == {(): {"resolution_time": stats.Spread(0, None, None)}}

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
    def test_the_python_computation_matches_percentile_cont(self, durations):
        queryset = Ticket.objects.all()
        kwargs = {
            "fields": ["first_response_time", "resolution_time"],
            "group_by": {"p": "priority"},
        }

        def normalised(rows):
            return sorted(
                (
                    tuple(round(v, 6) if isinstance(v, float) else v for v in row.values())
                    for row in rows
                ),
                key=str,
            )

        assert normalised(stats.python_percentile_rows(queryset, **kwargs)) == normalised(
            stats.percentile_cont_rows(queryset, **kwargs)
        )


class TestOverview:
    def test_open_backlog_by_status_priority_and_type(self, history):
        tables = {t.name: t for t in overview.backlog_tables(PERIOD)}
        # Open: T4 (new, Low, service request), T5 (in progress, High, incident),
        # T6 (new, Normal, change request), T7 (new, Normal, incident), T12 (waiting, Normal).
        assert rows_by_label(tables["backlog_status"]) == {
            "New": (3,),
            "In progress": (1,),
            "Waiting for customer": (1,),
        }
        assert rows_by_label(tables["backlog_priority"]) == {
            "Critical": (0,),
            "High": (1,),
            "Normal": (3,),
            "Low": (1,),
        }
        assert rows_by_label(tables["backlog_type"]) == {
            "Incident": (3,),
            "Problem": (0,),
            "Service request": (1,),
            "Change request": (1,),
        }
        assert tables["backlog_type"].footer == [("Total", 5)]

    def test_created_and_resolved_per_day(self, history):
        table = overview.flow_table(PERIOD)
        assert len(table.rows) == 30 and table.rows[0][0] == date(2026, 10, 22)
        days = {row[0]: row[1:] for row in table.rows if row[1] or row[2]}
        assert days == {
            date(2026, 10, 28): (1, 1),  # T10 filed, and its latest solution at 18:00
            date(2026, 11, 2): (1, 1),  # T1
            date(2026, 11, 3): (1, 0),  # T9
            date(2026, 11, 6): (1, 0),  # T2 (Friday 20:00 Moscow, 17:00 UTC)
            date(2026, 11, 9): (1, 1),  # T8 filed; T2 resolved
            date(2026, 11, 10): (1, 1),  # T3 filed; T8 resolved
            date(2026, 11, 11): (0, 1),  # T3 resolved again at 19:00
            date(2026, 11, 12): (1, 0),  # T4
            date(2026, 11, 16): (1, 0),  # T5
            date(2026, 11, 18): (1, 0),  # T6
            date(2026, 11, 19): (1, 0),  # T7 (20:30 Moscow)
        }
        assert table.footer == [("Total", 10, 5)]

    def test_a_long_period_is_counted_by_week(self, history):
        year = Filters(start=date(2025, 11, 21), end=date(2026, 11, 20))
        table = overview.flow_table(year)
        assert year.bucket == "week" and table.rows[0][0] == date(2025, 11, 17)  # a Monday
        weeks = {row[0]: row[1:] for row in table.rows if row[1] or row[2]}
        assert weeks[date(2026, 11, 9)] == (3, 3)  # T8 T3 T4 filed; T2 T8 T3 resolved
        assert table.footer == [("Total", 12, 6)]

    def test_running_late_and_at_risk_now(self, history):
        h = history
        late = overview.late_table(PERIOD, now=NOW, limit=50)
        assert [(r[0].pk, r[6], r[7]) for r in late.rows] == [
            (h["T4"].pk, "First response and resolution", at(11, 12, 18)),
            (h["T5"].pk, "Resolution", at(11, 16, 18)),
            (h["T6"].pk, "First response and resolution", at(11, 18, 14)),
        ]
        assert late.total == 3
        assert late.rows[0][0].url == f"/admin/tickets/ticket/{h['T4'].pk}/change/"
        risk = overview.at_risk_table(PERIOD, now=NOW, limit=50)
        assert [(r[0].pk, r[6], r[7]) for r in risk.rows] == [
            (h["T7"].pk, "First response", at(11, 20, 12, 30))
        ]
        # Twenty minutes earlier T7 had more than 20% of its time left.
        assert overview.at_risk_table(PERIOD, now=at(11, 20, 11, 40), limit=50).rows == []


class TestAgeing:
    def test_open_requests_by_age_and_priority(self, history):
        table = ageing.ageing_table(PERIOD, now=NOW)
        assert rows_by_label(table) == {
            "Critical": (0, 0, 0, 0, 0, 0),
            "High": (0, 0, 1, 0, 0, 1),  # T5, 4 days
            "Normal": (1, 1, 0, 0, 1, 3),  # T7 15.5 h, T6 2 days, T12 46 days
            "Low": (0, 0, 0, 1, 0, 1),  # T4, 8 days
        }
        assert table.footer == [("Total", 1, 1, 1, 1, 1, 5)]

    def test_a_bucket_includes_its_lower_bound(self, history):
        # At Sat 21 Nov 10:00 T6 (Wed 18th 10:00) is exactly 3 days old: in 3–7 days.
        table = ageing.ageing_table(PERIOD, now=at(11, 21, 10))
        assert rows_by_label(table)["Normal"] == (0, 1, 1, 0, 1, 3)

    def test_oldest_first(self, history):
        table = ageing.oldest_table(PERIOD)
        assert [row[0].pk for row in table.rows] == [
            history[n].pk for n in ("T12", "T4", "T5", "T6", "T7")
        ]


class TestEngineers:
    def test_taken_resolved_times_disputes_and_load(self, history):
        rows = {r.name: r for r in engineers.figures(PERIOD)}
        a, b = rows[history.agent.full_name], rows["Boris Engineer"]
        # A took T1 T3 T5 T8 T10 in the period (T11, T12 before it); B got T2 and T3.
        assert (a.taken, b.taken) == (5, 2)
        # Solutions: A T1 T3 T8 T10 ×2; B T2 T3.
        assert (a.resolved, b.resolved) == (5, 2)
        # T3's dispute followed A's solution.
        assert (a.disputes, b.disputes) == (1, 0)
        assert (a.dispute_rate, b.dispute_rate) == (20.0, 0.0)
        # Open now: T5 (in progress) and T12 (waiting) are A's.
        assert (a.open_now, b.open_now) == (2, 0)
        # Resolved in the period and theirs now: A T1 T8 T10, B T2 T3.
        assert (a.median_first_response, a.median_resolution) == (hm("1:00"), hm("7:00"))
        assert (b.median_first_response, b.median_resolution) == (hm("11:15"), hm("16:15"))
        supervisor = rows[history.supervisor.full_name]
        assert (supervisor.taken, supervisor.resolved, supervisor.open_now) == (0, 0, 0)

    def test_filters_apply_to_the_requests(self, history):
        beta = Filters(start=PERIOD.start, end=PERIOD.end, organization_id=history.beta.pk)
        a = {r.name: r for r in engineers.figures(beta)}[history.agent.full_name]
        assert (a.taken, a.resolved, a.disputes, a.open_now) == (1, 1, 0, 0)
        assert a.median_resolution == hm("12:00")


class TestClosure:
    def test_how_requests_were_closed(self, history):
        table = closure.reasons_table(PERIOD)
        # Closed in the period: T1 T3 T10 confirmed, T2 auto, T8 withdrawn, T9 by support.
        assert rows_by_label(table) == {
            "Confirmed by the customer": (3, 50.0),
            "Closed automatically": (1, 16.7),
            "Withdrawn by the customer": (1, 16.7),
            "Closed by support": (1, 16.7),
        }

    def test_dispute_rate_and_reopen_count(self, history):
        figures = closure.dispute_figures(PERIOD)
        # Solutions in the period for T1 T2 T3 T8 T10; T3 disputed once; T10 reopened once.
        assert figures == {
            "resolved_requests": 5,
            "disputed_requests": 1,
            "dispute_rate": 20.0,
            "dispute_events": 1,
            "reopen_events": 1,
            "reopen_count": 2,
        }


class TestCustomerReport:
    def test_only_the_organisation_of_the_filters(self, history):
        alpha = Filters(
            start=date(2020, 1, 1), end=date(2026, 11, 20), organization_id=history.alpha.pk
        )
        report = customer.build(alpha, now=NOW)
        # T11 (September) and T12 (October, answered in time) join; Beta's T8 never does.
        assert report.tables["summary"].rows[0][1:] == (6, 3, 66.7, 4, 4, 50.0)
        assert "by_organisation" not in report.tables
        assert "times_by_organisation" not in report.tables
        breaches = report.tables["breaches"]
        assert {row[0].pk for row in breaches.rows} == {
            history[n].pk for n in ("T2", "T3", "T4", "T5")
        }
        assert breaches.rows[0][0].url == f"/tickets/{breaches.rows[0][0].reference}/"
        assert len(breaches.columns) == len(breaches.rows[0]) == 8  # no organisation column

    def test_refuses_to_run_without_an_organisation(self, history):
        with pytest.raises(ValueError):
            customer.build(PERIOD, now=NOW)

    def test_the_contract_in_force_decides_the_default_start(self, customer):
        organisation = customer.organization
        contract = customer.organization.contracts.get()
        assert customer.role == Role.CUSTOMER
        assert customer_contract(organisation.pk, date(2026, 11, 20)) == contract
        contract.ends_on = date(2025, 12, 31)
        contract.save()
        newer = type(contract).objects.create(
            organization=organisation,
            plan=contract.plan,
            number="SLA-NEW",
            starts_on=date(2026, 1, 1),
        )
        assert customer_contract(organisation.pk, date(2026, 11, 20)) == newer
        assert customer_contract(organisation.pk, date(2019, 1, 1)) is None


def customer_contract(organization_id, today):
    return customer.contract_for_report(organization_id, today)


def test_hours_minutes_shows_business_time_beyond_a_day():
    assert hours_minutes(timedelta(hours=26, minutes=5)) == "26:05"
    assert hours_minutes(timedelta(minutes=30)) == "0:30"


class TestCharts:
    """The SVG geometry (pure arithmetic: no database)."""

    def test_bars_are_proportional_and_count_axes_have_whole_ticks(self):
        chart = charts.bar_chart(
            title="t", description="d", categories=["a", "b"],
            series=[charts.Series("s", [1, 2]), charts.Series("u", [None, 0])],
        )  # fmt: skip
        assert [tick.label for tick in chart.ticks] == ["0", "1", "2", "3", "4", "5"]
        heights = [bar.height for bar in chart.bars]
        assert len(heights) == 3  # no bar for the missing value
        assert heights[1] == pytest.approx(2 * heights[0], abs=0.2) and heights[2] == 0
        assert all(bar.y + bar.height == pytest.approx(chart.baseline) for bar in chart.bars)

    def test_percentages_keep_their_fixed_scale_and_lines_their_points(self):
        chart = charts.line_chart(
            title="t", description="d", categories=["x", "y", "z"],
            series=[charts.Series("s", [50, None, 100])], maximum=100,
        )  # fmt: skip
        assert chart.ticks[-1].label == "100"
        (line,) = chart.lines
        assert len(line.points.split()) == 2 and len(line.dots) == 2

    def test_no_data_draws_nothing(self):
        assert charts.bar_chart(title="t", description="d", categories=[], series=[]).empty
