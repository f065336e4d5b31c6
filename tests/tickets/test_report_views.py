"""Report pages: who may see them, filters that never break them, CSV downloads, query counts.

Figures themselves are checked in test_reports.py; here the pages are checked as a browser
and a spreadsheet see them. Every test has a user who must be refused.
"""

import csv
import io
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from sla.models import Breach
from tests.factories import (
    BreachFactory,
    OrganizationFactory,
    StaffUserFactory,
    TicketEventFactory,
    TicketFactory,
    UserFactory,
)
from tests.tickets.test_reports import NOW, at, build_history
from tickets.models import ReportDay, ReportDayState, ReportOrganizationDay, Ticket
from tickets.reports import daily
from tickets.reports.filters import Filters

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["overview", "sla", "times", "ageing", "engineers", "closure", "satisfaction"]
MY_SLA = reverse("reports:my_sla")
LOGIN = reverse("accounts:login")


def url(name: str) -> str:
    return reverse(f"reports:{name}")


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def history(customer, other_org_customer, agent, supervisor):
    return build_history(customer, other_org_customer, agent, supervisor)


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


# --- Who may see what -------------------------------------------------------------------


class TestAccess:
    @pytest.mark.parametrize("page", [*STAFF_PAGES, "my_sla"])
    def test_anonymous_visitors_are_sent_to_log_in(self, client, page):
        response = client.get(url(page))
        assert response.status_code == 302 and response.url.startswith(LOGIN)

    @pytest.mark.parametrize("page", STAFF_PAGES)
    @pytest.mark.parametrize("who", ["customer", "customer_manager", "agent"])
    def test_customers_and_agents_are_refused_the_staff_pages(self, client, request, page, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(url(page)).status_code == 403
        assert client.get(url(page), {"format": "csv", "table": "summary"}).status_code == 403

    @pytest.mark.parametrize("page", STAFF_PAGES)
    @pytest.mark.parametrize("who", ["supervisor", "administrator"])
    def test_supervisors_and_administrators_see_the_staff_pages(
        self, client, request, now, page, who
    ):
        client.force_login(request.getfixturevalue(who))
        response = client.get(url(page))
        assert response.status_code == 200
        assert response.context["report"].tables

    @pytest.mark.parametrize("who", ["customer", "agent"])
    def test_plain_customers_and_agents_are_refused_the_customer_report(self, client, request, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(MY_SLA).status_code == 403

    def test_supervisors_are_sent_to_the_staff_sla_page(self, client, supervisor, customer):
        client.force_login(supervisor)
        response = client.get(MY_SLA)
        assert response.status_code == 302 and response.url == url("sla")

    def test_nav_links_follow_the_role(self, client, supervisor, customer_manager, customer, agent):
        for user, link in [(supervisor, url("overview")), (customer_manager, MY_SLA)]:
            client.force_login(user)
            assert f'href="{link}"' in client.get(reverse("accounts:profile")).content.decode()
        for user in (customer, agent):
            client.force_login(user)
            content = client.get(reverse("accounts:profile")).content.decode()
            assert url("overview") not in content and MY_SLA not in content


class TestCustomerReport:
    def test_a_manager_sees_only_their_organisation_whatever_the_query_says(
        self, client, history, customer_manager, now
    ):
        client.force_login(customer_manager)
        beta = history.beta.pk
        response = client.get(MY_SLA, {"organisation": beta})
        assert response.status_code == 200
        report = response.context["report"]
        assert response.context["filters"].organization_id == history.alpha.pk
        # Default period: the contract's start (2020) to today; Alpha's nine counted requests.
        assert response.context["filters"].start == date(2020, 1, 1)
        assert report.tables["summary"].rows[0][1:] == (6, 3, 66.7, 4, 4, 50.0)
        shown = {row[0].pk for row in report.tables["breaches"].rows}
        assert history["T8"].pk not in shown and history["T2"].pk in shown
        assert "by_organisation" not in report.tables
        assert "Beta Telecom" not in response.content.decode()

    def test_the_csv_is_of_their_organisation_too(self, client, history, customer_manager, now):
        client.force_login(customer_manager)
        rows = csv_rows(
            client.get(
                MY_SLA, {"organisation": history.beta.pk, "format": "csv", "table": "breaches"}
            )
        )
        references = {row[0] for row in rows[1:]}
        assert references == {history[n].reference for n in ("T2", "T3", "T4", "T5")}
        assert not any("Beta" in cell for row in rows for cell in row)

    def test_the_other_organisation_manager_sees_only_theirs(
        self, client, history, other_org_manager, now
    ):
        client.force_login(other_org_manager)
        report = client.get(MY_SLA, {"organisation": history.alpha.pk}).context["report"]
        assert report.tables["summary"].rows[0][1:] == (1, 0, 100.0, 1, 0, 100.0)
        assert report.tables["breaches"].rows == []

    def test_the_month_picker_narrows_the_period(self, client, customer_manager, now):
        client.force_login(customer_manager)
        response = client.get(MY_SLA, {"month": "2026-10"})
        filters = response.context["filters"]
        assert (filters.start, filters.end) == (date(2026, 10, 1), date(2026, 10, 31))
        this_month = client.get(MY_SLA, {"month": "2026-11"}).context["filters"]
        assert this_month.end == date(2026, 11, 20)  # not past today

    def test_a_month_outside_the_offer_is_a_form_error(self, client, customer_manager, now):
        client.force_login(customer_manager)
        response = client.get(MY_SLA, {"month": "1999-01"})
        assert response.status_code == 200
        assert "month" in response.context["form"].errors
        assert "report" not in response.context


# --- Filters ------------------------------------------------------------------------------


class TestFilters:
    def test_the_default_period_is_the_last_30_days(self, client, supervisor, now):
        client.force_login(supervisor)
        filters = client.get(url("sla")).context["filters"]
        assert filters == Filters(start=date(2026, 10, 22), end=date(2026, 11, 20))

    def test_filters_reach_the_report(self, client, supervisor, organization, now):
        client.force_login(supervisor)
        response = client.get(
            url("times"),
            {
                "from": "2026-01-01",
                "to": "2026-06-30",
                "organisation": organization.pk,
                "type": "problem",
                "priority": "2",
            },
        )
        assert response.context["filters"] == Filters(
            start=date(2026, 1, 1),
            end=date(2026, 6, 30),
            organization_id=organization.pk,
            type="problem",
            priority=2,
        )

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"from": "2026-13-45"}, "from"),
            ({"to": "yesterday"}, "to"),
            ({"organisation": "abc"}, "organisation"),
            ({"organisation": "999999"}, "organisation"),
            ({"priority": "99"}, "priority"),
            ({"priority": "x"}, "priority"),
            ({"type": "<script>"}, "type"),
            ({"from": "0001-01-01"}, "from"),
            ({"to": "9999-12-31"}, "to"),
            ({"from": "2026-11-20", "to": "2026-11-01"}, "__all__"),
            ({"from": "1990-01-01", "to": "2026-11-01"}, "from"),
            ({"from": "2001-01-01", "to": "2026-11-01"}, "__all__"),
        ],
    )
    @pytest.mark.parametrize("page", STAFF_PAGES)
    def test_garbage_is_a_form_error_never_a_server_error(
        self, client, supervisor, now, page, query, field
    ):
        client.force_login(supervisor)
        response = client.get(url(page), query)
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert "report" not in response.context
        assert 'role="alert"' in response.content.decode()
        export = client.get(url(page), {**query, "format": "csv", "table": "summary"})
        assert export.status_code == 200 and "report" not in export.context


# --- CSV ------------------------------------------------------------------------------------


class TestCsv:
    def test_every_table_of_every_page_downloads(self, client, history, supervisor, now):
        client.force_login(supervisor)
        for page in STAFF_PAGES:
            report = client.get(url(page)).context["report"]
            for name, table in report.tables.items():
                response = client.get(url(page), {"format": "csv", "table": name})
                assert response.status_code == 200, (page, name)
                assert response["Content-Type"] == "text/csv; charset=utf-8"
                assert response["Content-Disposition"].startswith("attachment; filename=")
                rows = csv_rows(response)
                assert len(rows[0]) == len(table.columns)
                assert len(rows) >= 1 + len(table.rows)

    def test_an_unknown_table_is_not_found(self, client, supervisor, now):
        client.force_login(supervisor)
        assert client.get(url("sla"), {"format": "csv", "table": "nope"}).status_code == 404

    def test_bom_cyrillic_and_the_excel_dialect_of_the_language(
        self, client, supervisor, customer, now
    ):
        TicketFactory(requester=customer, subject="Нет связи", created_at=at(11, 19, 10))
        client.force_login(supervisor)
        response = client.get(url("ageing"), {"format": "csv", "table": "oldest"})
        raw = b"".join(response.streaming_content)
        assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark
        text = raw.decode("utf-8")
        assert "Нет связи" in text
        assert ";" in text.splitlines()[0]  # the user's language is Russian: Excel's ";"
        supervisor.language = "en"
        supervisor.save()
        english = b"".join(
            client.get(url("ageing"), {"format": "csv", "table": "oldest"}).streaming_content
        ).decode()
        assert "," in english.splitlines()[0] and ";" not in english.splitlines()[0]

    @pytest.mark.parametrize(
        "dangerous", ['=HYPERLINK("http://x")', "+7 495", "-1+2", "@SUM(A1)", "\tTab", "\rReturn"]
    )
    def test_formula_cells_are_neutralised(self, client, supervisor, customer, now, dangerous):
        customer.organization.name = dangerous
        customer.organization.save()
        TicketFactory(requester=customer, subject=dangerous, created_at=at(11, 19, 10))
        client.force_login(supervisor)
        rows = csv_rows(client.get(url("ageing"), {"format": "csv", "table": "oldest"}))
        subject, organisation = rows[1][1], rows[1][2]
        assert subject == organisation == "'" + dangerous

    def test_numbers_stay_numbers(self, client, history, supervisor, now):
        client.force_login(supervisor)
        rows = csv_rows(client.get(url("sla"), {"format": "csv", "table": "summary"}))
        assert rows[1][1:] == ["5", "3", "62,5", "4", "4", "50,0"]

    def test_a_large_breach_list_is_streamed_whole(self, client, supervisor, customer, now):
        filed = at(11, 10, 10)
        tickets = Ticket.objects.bulk_create(
            TicketFactory.build_batch(
                1251, requester=customer, organization=customer.organization, created_at=filed,
                first_response_due_at=filed + timedelta(hours=4),
                resolution_due_at=filed + timedelta(hours=24),
            )
        )  # fmt: skip
        # 2,502 breaches: more than one chunk of the export's iterator.
        Breach.objects.bulk_create(
            Breach(ticket=t, target=target, due_at=getattr(t, f"{target}_due_at"))
            for t in tickets
            for target in ("first_response", "resolution")
        )
        client.force_login(supervisor)
        response = client.get(url("sla"), {"format": "csv", "table": "breaches"})
        assert isinstance(response, StreamingHttpResponse)
        rows = csv_rows(response)
        assert len(rows) == 1 + 2502
        assert len({row[0] for row in rows[1:]}) == 1251
        page = client.get(url("sla")).context["report"].tables["breaches"]
        assert page.total == 2502 and len(page.rows) == 50


# --- The pages as a browser sees them ---------------------------------------------------------


class TestPages:
    def test_overview_links_late_requests_to_the_console(self, client, history, supervisor, now):
        client.force_login(supervisor)
        content = client.get(url("overview")).content.decode()
        for name in ("T4", "T5", "T6", "T7"):
            change = reverse("admin:tickets_ticket_change", args=[history[name].pk])
            assert f'href="{change}"' in content

    @pytest.mark.parametrize("page", STAFF_PAGES)
    def test_charts_are_inline_svg_without_inline_styles(
        self, client, history, supervisor, now, page
    ):
        client.force_login(supervisor)
        response = client.get(url(page), {"from": "2025-11-21", "to": "2026-11-20"})
        content = response.content.decode()
        assert " style=" not in content and "<style" not in content
        for key in response.context["report"].charts:
            assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in content
        # SVG coordinates never get a decimal comma, whatever the language.
        assert not re.search(r'(?:x|y|width|height)="\d+,\d', content)

    def test_the_customer_page_links_to_the_portal(self, client, history, customer_manager, now):
        client.force_login(customer_manager)
        content = client.get(MY_SLA).content.decode()
        assert f'href="{history["T4"].get_absolute_url()}"' in content
        assert "/admin/" not in content


# --- Queries: a constant number per page, whatever the data ----------------------------------


def varied_requests(count, *, requesters, engineers):
    """`count` requests in every state, with breaches and history, over the last 40 days."""
    statuses = list(Ticket.Status.values)
    reasons = list(Ticket.CloseReason.values)
    for i in range(count):
        created = NOW - timedelta(days=i % 40, hours=i % 7)
        status = statuses[i % len(statuses)]
        engineer = engineers[i % len(engineers)]
        done = status in ("resolved", "closed")
        ticket = TicketFactory(
            requester=requesters[i % len(requesters)],
            created_at=created,
            status=status,
            priority=1 + i % 4,
            type=Ticket.Type.values[i % 4],
            assignee=engineer if i % 3 else None,
            first_response_due_at=created + timedelta(hours=1),
            first_response_risk_at=created + timedelta(minutes=48),
            resolution_due_at=created + timedelta(hours=8 + i % 30),
            resolution_risk_at=created + timedelta(hours=6 + i % 30),
            first_response_at=created + timedelta(minutes=30) if i % 4 else None,
            first_response_time=timedelta(minutes=30 + i) if i % 4 else None,
            resolved_at=created + timedelta(hours=5) if done else None,
            resolution_time=timedelta(hours=5, minutes=i) if done else None,
            closed_at=created + timedelta(days=1) if status == "closed" else None,
            close_reason=reasons[i % len(reasons)] if status == "closed" else "",
        )
        if i % 4 == 0:
            BreachFactory(
                ticket=ticket,
                target="first_response",
                late_by=timedelta(minutes=i) if i % 8 else None,
            )
        TicketEventFactory(
            ticket=ticket,
            kind="assigned",
            actor=engineer,
            data={"from": None, "to": engineer.pk},
            created_at=created + timedelta(minutes=5),
        )
        if done:
            TicketEventFactory(
                ticket=ticket,
                kind="resolved",
                actor=engineer,
                created_at=created + timedelta(hours=5),
            )
            if i % 5 == 0:
                TicketEventFactory(
                    ticket=ticket,
                    kind="disputed",
                    actor=ticket.requester,
                    created_at=created + timedelta(hours=6),
                )


class TestQueryCounts:
    MAX_QUERIES = 16

    @pytest.fixture
    def people(self, customer, other_org_customer, agent):
        engineers = [agent, StaffUserFactory(full_name="Boris"), StaffUserFactory(full_name="Vera")]
        return {"requesters": [customer, other_org_customer], "engineers": engineers}

    def count(self, client, page_url, query):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page_url, query)
        assert response.status_code == 200
        return len(captured)

    @pytest.mark.parametrize("page", STAFF_PAGES)
    @pytest.mark.parametrize("query", [{}, {"from": "2025-11-21", "to": "2026-11-20"}])
    def test_a_staff_page_takes_the_same_queries_for_10_or_60_requests(
        self, client, supervisor, people, now, page, query, django_assert_max_num_queries
    ):
        client.force_login(supervisor)
        varied_requests(10, **people)
        few = self.count(client, url(page), query)
        varied_requests(50, **people)
        OrganizationFactory.create_batch(5)
        with django_assert_max_num_queries(self.MAX_QUERIES):
            many = self.count(client, url(page), query)
        assert few == many

    @pytest.mark.parametrize("page", STAFF_PAGES)
    def test_a_staff_page_over_the_daily_table_takes_the_same_queries(
        self, client, supervisor, people, now, page, django_assert_max_num_queries
    ):
        client.force_login(supervisor)
        query = {"from": "2025-11-21", "to": "2026-11-20"}
        varied_requests(10, **people)
        daily.settle(now=now)
        few = self.count(client, url(page), query)
        varied_requests(50, **people)
        # Made closed in the past: settled anew (the job only ever sees closings after it).
        ReportDay.objects.all().delete()
        ReportOrganizationDay.objects.all().delete()
        ReportDayState.objects.all().delete()
        daily.settle(now=now)
        with django_assert_max_num_queries(self.MAX_QUERIES):
            many = self.count(client, url(page), query)
        assert few == many

    def test_the_customer_report_too(self, client, customer_manager, people, now):
        client.force_login(customer_manager)
        varied_requests(10, **people)
        self.count(client, MY_SLA, {})  # a process's first page also reads the status notices
        few = self.count(client, MY_SLA, {})
        varied_requests(50, **people)
        UserFactory(organization=customer_manager.organization, role=Role.CUSTOMER)
        assert self.count(client, MY_SLA, {}) == few <= self.MAX_QUERIES


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's prepared statements")
def test_a_report_page_prepares_none_of_its_queries():
    """A kept connection prepares a query run five times, and PostgreSQL may then plan it
    once for any period (3.3 s instead of 0.9 s for the times page at 1M requests): the
    report pages never prepare theirs, and the connection prepares as before afterwards."""
    from tickets.reports import PAGES, build

    TicketFactory()
    connection.ensure_connection()
    raw = connection.connection
    saved = raw.prepare_threshold
    raw.prepare_threshold = 0  # prepare every query from its first run
    try:
        filters = Filters(start=date(2024, 1, 1), end=date(2025, 12, 31))
        for page in ("overview", "sla", "times", "engineers"):
            build(PAGES[page], filters, now=timezone.now())
        assert raw.prepare_threshold == 0
        raw.prepare_threshold = None
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert not [sql for sql in prepared if "tickets_" in sql]
    finally:
        raw.prepare_threshold = saved
