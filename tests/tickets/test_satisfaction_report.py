"""The satisfaction report against a hand-built set of ratings with known answers."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import OrganizationFactory, StaffUserFactory, TicketFactory, UserFactory
from tickets.models import Rating, Ticket
from tickets.reports import satisfaction
from tickets.reports.filters import Filters

MSK = ZoneInfo("Europe/Moscow")
T = Ticket.Type
pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=MSK)
PERIOD = Filters(start=date(2026, 9, 1), end=date(2026, 11, 20))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rated(requester, engineer, type, score, when, comment=""):
    ticket = TicketFactory(
        requester=requester,
        type=type,
        assignee=engineer,
        status=Ticket.Status.CLOSED,
        close_reason=Ticket.CloseReason.CONFIRMED,
        closed_at=when,
    )
    return Rating.objects.create(
        ticket=ticket, score=score, comment=comment, rated_by=requester, created_at=when
    )


@pytest.fixture
def ratings():
    """Anna: 5, 4, 1 (Alpha); Boris: 3, 2 (Beta), one of them a Problem; one outside the
    period, one on the first and one on the last moment of it."""
    alpha, beta = OrganizationFactory(name="Alpha"), OrganizationFactory(name="Beta")
    a, b = UserFactory(organization=alpha), UserFactory(organization=beta)
    anna, boris = StaffUserFactory(full_name="Anna"), StaffUserFactory(full_name="Boris")
    rated(a, anna, T.INCIDENT, 5, datetime(2026, 9, 1, 0, 0, tzinfo=MSK))
    rated(a, anna, T.INCIDENT, 4, datetime(2026, 10, 5, 10, tzinfo=MSK))
    rated(a, anna, T.SERVICE_REQUEST, 1, datetime(2026, 11, 2, 10, tzinfo=MSK), "Никто не ответил")
    rated(b, boris, T.PROBLEM, 3, datetime(2026, 11, 3, 10, tzinfo=MSK))
    rated(b, boris, T.INCIDENT, 2, datetime(2026, 11, 20, 23, 59, tzinfo=MSK), "Долго")
    rated(b, boris, T.INCIDENT, 1, datetime(2026, 8, 31, 23, 59, tzinfo=MSK))  # before
    return {"alpha": alpha, "beta": beta, "anna": anna, "boris": boris}


def table(report, name):
    return report.tables[name].rows


def test_the_summary_counts_the_ratings_of_the_period(ratings):
    report = satisfaction.build(PERIOD)
    # 5 + 4 + 1 + 3 + 2 = 15 over 5; satisfied 2 of 5; low 2.
    assert table(report, "summary") == [("All ratings of the period", 5, 3.0, 40.0, 2)]


def test_by_engineer(ratings):
    rows = table(satisfaction.build(PERIOD), "by_engineer")
    assert rows == [
        ("Anna", 3, 3.33, 66.7, 1),
        ("Boris", 2, 2.5, 0.0, 1),
    ]


def test_by_organisation_and_type(ratings):
    report = satisfaction.build(PERIOD)
    assert table(report, "by_organisation") == [
        ("Alpha", 3, 3.33, 66.7, 1),
        ("Beta", 2, 2.5, 0.0, 1),
    ]
    assert table(report, "by_type") == [
        ("Incident", 3, 3.67, 66.7, 1),
        ("Problem", 1, 3.0, 0.0, 0),
        ("Service request", 1, 1.0, 0.0, 1),
    ]


def test_by_month_has_every_month_of_the_period(ratings):
    rows = table(satisfaction.build(PERIOD), "by_month")
    assert rows == [
        (date(2026, 9, 1), 1, 5.0, 100.0, 0),
        (date(2026, 10, 1), 1, 4.0, 100.0, 0),
        (date(2026, 11, 1), 3, 2.0, 0.0, 2),
    ]


def test_the_low_ratings_are_listed_newest_first_with_their_comments(ratings):
    rows = table(satisfaction.build(PERIOD), "low_ratings")
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [
        (2, "Beta", "Boris", "Долго"),
        (1, "Alpha", "Anna", "Никто не ответил"),
    ]


def test_the_facets_narrow_every_figure(ratings):
    beta = Filters(start=PERIOD.start, end=PERIOD.end, organization_id=ratings["beta"].pk)
    report = satisfaction.build(beta)
    assert table(report, "summary") == [("All ratings of the period", 2, 2.5, 0.0, 1)]
    problems = Filters(start=PERIOD.start, end=PERIOD.end, type=T.PROBLEM)
    assert table(satisfaction.build(problems), "by_engineer") == [("Boris", 1, 3.0, 0.0, 0)]


def test_the_charts_show_the_spread_and_the_months(ratings):
    report = satisfaction.build(PERIOD)
    scores = report.charts["scores"]
    assert [bar.title for bar in scores.bars] == [
        "1 · Ratings: 1",
        "2 · Ratings: 1",
        "3 · Ratings: 1",
        "4 · Ratings: 1",
        "5 · Ratings: 1",
    ]
    assert len(report.charts["average_by_month"].lines[0].dots) == 3


def test_an_empty_period_is_an_empty_report_not_an_error(ratings):
    report = satisfaction.build(Filters(start=date(2020, 1, 1), end=date(2020, 1, 31)))
    assert table(report, "summary") == [("All ratings of the period", 0, None, None, 0)]
    assert table(report, "by_engineer") == []
    assert [bar.height for bar in report.charts["scores"].bars] == [0.0] * 5


# --- The page ----------------------------------------------------------------------------------

URL = reverse("reports:satisfaction")


@pytest.mark.parametrize("who", ["customer", "customer_manager", "agent"])
def test_only_supervisors_see_the_page(client, request, who, supervisor, ratings):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    client.force_login(supervisor)
    with time_machine.travel(NOW, tick=False):
        response = client.get(URL, {"from": "2026-09-01", "to": "2026-11-20"})
    assert response.status_code == 200
    assert "Никто не ответил" in response.content.decode()


def test_the_low_ratings_download_as_csv(client, supervisor, ratings):
    client.force_login(supervisor)
    query = {"from": "2026-09-01", "to": "2026-11-20", "format": "csv", "table": "low_ratings"}
    response = client.get(URL, query)
    text = b"".join(response.streaming_content).decode()
    assert "Долго" in text and "Никто не ответил" in text


def test_the_page_takes_the_same_queries_for_5_or_50_ratings(client, supervisor, ratings):
    client.force_login(supervisor)
    query = {"from": "2026-09-01", "to": "2026-11-20"}

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, query).status_code == 200
        return len(captured)

    few = count()
    people = [UserFactory(organization=OrganizationFactory()) for _ in range(5)]
    engineers = StaffUserFactory.create_batch(3)
    for i in range(45):
        when = datetime(2026, 9 + i % 3, 1 + i % 27, 12, tzinfo=MSK)
        rated(people[i % 5], engineers[i % 3], T.values[i % 4], 1 + i % 5, when, "…")
    assert count() == few <= 16
