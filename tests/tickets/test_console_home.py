"""The console's home: the engineer's own work and, for supervisors, everybody's; every count
links to the queue showing exactly those requests; a constant number of queries."""

import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import StaffUserFactory, TicketFactory
from tickets import lifecycle, workload
from tickets.models import Ticket

S = Ticket.Status
MSK = ZoneInfo("Europe/Moscow")
# Monday 30 November 2026, support hours; Normal: first response within 4 h (PlanFactory).
FILED = datetime(2026, 11, 30, 10, 0, tzinfo=MSK)
NOW = datetime(2026, 12, 1, 16, 0, tzinfo=MSK)
HOME = reverse("admin:index")
QUEUE = reverse("admin:tickets_ticket_changelist")


def filed(customer, subject, when=FILED):
    with time_machine.travel(when, tick=False):
        return lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.INCIDENT, subject=subject, description="..."
        )


@pytest.fixture
def work(customer, agent, other_agent):
    """At NOW. The agent: 2 open, 1 of them breached, 1 waiting for 6 days; the colleague: 1;
    nobody: 2, 1 of them at risk; and a closed one that counts nowhere."""
    mine_late = filed(customer, "mine, late")  # first response due 30.11 14:00, not given
    lifecycle.take(mine_late, actor=agent)
    long_ago = FILED - timedelta(days=6)
    mine_waiting = filed(customer, "mine, waiting", long_ago)
    lifecycle.take(mine_waiting, actor=agent)
    with time_machine.travel(long_ago + timedelta(hours=1), tick=False):
        lifecycle.request_info(mine_waiting, actor=agent, question="?")
    theirs = filed(customer, "theirs", NOW - timedelta(minutes=30))
    lifecycle.take(theirs, actor=other_agent)
    filed(customer, "nobody's, at risk", NOW - timedelta(hours=3, minutes=30))
    filed(customer, "nobody's, fresh", NOW - timedelta(minutes=10))
    closed = filed(customer, "closed")
    lifecycle.close(closed, actor=agent)
    with time_machine.travel(NOW, tick=False):
        yield


def tiles(html):
    return {
        css: (int(count), unescape(url))
        for url, css, count in re.findall(
            r'<a href="([^"]+)" id="tile-([a-z-]+)"><b>(\d+)</b>', html
        )
    }


def listed(client, url):
    return [ticket.pk for ticket in client.get(url).context["cl"].result_list]


@pytest.mark.django_db
class TestHome:
    def test_an_agent_sees_their_own_work_and_the_unassigned(self, client, agent, work):
        client.force_login(agent)
        html = client.get(HOME).content.decode()
        counts = {css: count for css, (count, _url) in tiles(html).items()}
        assert counts == {"mine": 2, "unassigned": 2, "at-risk": 0, "breached": 1, "waiting": 1}
        assert 'id="workload"' not in html  # no per-engineer table for an agent

    def test_every_count_links_to_the_queue_showing_exactly_those(self, client, agent, work):
        client.force_login(agent)
        for css, (count, url) in tiles(client.get(HOME).content.decode()).items():
            assert url.startswith(QUEUE)
            assert len(listed(client, url)) == count, css

    def test_a_supervisor_sees_every_engineer(self, client, supervisor, agent, other_agent, work):
        client.force_login(supervisor)
        html = client.get(HOME).content.decode()
        table = html.split('id="workload"', 1)[1].split("</table>", 1)[0]
        rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table, re.S)
        figures = {
            unescape(re.sub("<[^>]+>", "", name)).strip(): [
                int(n) for n in re.findall(r">(\d+)</a>", cells)
            ]
            for name, cells in rows
        }
        assert figures[agent.full_name] == [2, 0, 1, 1]
        assert figures[other_agent.full_name] == [1, 0, 0, 0]
        assert figures["Без инженера"] == [2, 1, 0, 0]
        assert figures["Итого"] == [5, 1, 1, 1]
        counts = {css: count for css, (count, _url) in tiles(html).items()}
        assert counts == {"mine": 0, "unassigned": 2, "at-risk": 1, "breached": 1, "waiting": 1}

    def test_a_supervisors_counts_link_to_exactly_those_too(self, client, supervisor, work):
        client.force_login(supervisor)
        html = client.get(HOME).content.decode()
        links = re.findall(r'<a href="([^"]+)">(\d+)</a>', html.split('id="workload"', 1)[1])
        assert len(links) == 4 * 4
        for url, count in links:
            assert len(listed(client, unescape(url))) == int(count), url

    def test_at_risk_is_counted_and_filtered_alike(self, client, supervisor, customer):
        filed(customer, "nobody's, at risk", NOW - timedelta(hours=3, minutes=30))
        client.force_login(supervisor)
        with time_machine.travel(NOW, tick=False):
            found = tiles(client.get(HOME).content.decode())
            count, url = found["at-risk"]
            assert count == 1 and len(listed(client, url)) == 1

    @pytest.mark.parametrize("requests", [3, 30])
    def test_a_constant_number_of_queries(
        self, client, supervisor, customer, django_assert_max_num_queries, requests
    ):
        engineers = StaffUserFactory.create_batch(4)
        for i in range(requests):
            TicketFactory(requester=customer, assignee=engineers[i % 4] if i % 3 else None)
        client.force_login(supervisor)
        # Session, user, 2× permissions, the grouped counts.
        with django_assert_max_num_queries(5):
            assert client.get(HOME).status_code == 200

    def test_the_home_keeps_the_admins_sections(self, client, supervisor):
        client.force_login(supervisor)
        html = client.get(HOME).content.decode()
        assert reverse("admin:accounts_organization_changelist") in html
        assert reverse("admin:tickets_cannedreply_changelist") in html

    @pytest.mark.parametrize("who", ["customer", "customer_manager"])
    def test_customers_are_sent_to_the_login(self, client, request, who):
        client.force_login(request.getfixturevalue(who))
        response = client.get(HOME)
        assert response.status_code == 302 and reverse("admin:login") in response.url


@pytest.mark.django_db
def test_the_workload_counts_stored_moments_not_a_clock_walk(customer, agent):
    late = filed(customer, "late")
    rows = workload.open_work(now=FILED + timedelta(days=2), engineer_ids=[agent.pk])
    assert [(r.engineer_id, r.open, r.breached) for r in rows] == [(None, 1, 1)]
    assert late.first_response_due_at < FILED + timedelta(days=2)
