"""The console shows the SLA: time left in the queue, and how it was computed in the workspace."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tickets import lifecycle
from tickets.models import Ticket

MSK = ZoneInfo("Europe/Moscow")
QUEUE = reverse("admin:tickets_ticket_changelist")


def file(customer, when, subject, priority=None, agent=None):
    with time_machine.travel(when, tick=False):
        ticket = lifecycle.create_ticket(requester=customer, type=Ticket.Type.INCIDENT,
                                         subject=subject, description="...")  # fmt: skip
        if priority:
            lifecycle.set_priority(ticket, actor=agent, priority=priority)
    return ticket


@pytest.mark.django_db
class TestQueueSla:
    def test_the_queue_colours_time_left_by_state(self, client, customer, agent):
        # Normal: first response within 4 h. Filed Monday 2026-11-30 at 10:00 and 13:30.
        file(customer, datetime(2026, 11, 30, 10, 0, tzinfo=MSK), "breached one")
        file(customer, datetime(2026, 11, 30, 13, 30, tzinfo=MSK), "at-risk one")
        file(customer, datetime(2026, 11, 30, 14, 30, tzinfo=MSK), "fresh one")
        client.force_login(agent)
        with time_machine.travel(datetime(2026, 11, 30, 16, 45, tzinfo=MSK), tick=False):
            body = client.get(QUEUE).content.decode()
        assert body.count("console-sla-breached") == 1
        assert body.count("console-sla-at-risk") == 1
        assert body.count("console-sla-ok") == 1

    def test_same_priority_is_ordered_by_due_time_not_filing_time(self, client, customer, agent):
        # Two High requests; the earlier one waited a day for the customer, so its due time
        # moved past the later one's: the queue puts the later-filed, sooner-due one first.
        early = file(customer, datetime(2026, 11, 30, 10, 0, tzinfo=MSK), "early", 2, agent)
        late = file(customer, datetime(2026, 11, 30, 11, 0, tzinfo=MSK), "late", 2, agent)
        with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=MSK), tick=False):
            lifecycle.request_info(early, actor=agent, question="?")  # stops early's clock...
        with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=MSK), tick=False):
            lifecycle.reply(early, actor=customer, body="!")  # ...and moves its due time on
        early.refresh_from_db()
        assert early.resolution_due_at > late.resolution_due_at
        client.force_login(agent)
        with time_machine.travel(datetime(2026, 12, 1, 13, 0, tzinfo=MSK), tick=False):
            rows = client.get(QUEUE).context["cl"].result_list
        assert [t.pk for t in rows][:2] == [late.pk, early.pk]


@pytest.mark.django_db
def test_the_request_page_explains_the_sla(client, customer, agent):
    ticket = file(customer, datetime(2026, 11, 30, 10, 0, tzinfo=MSK), "explained")
    client.force_login(agent)
    with time_machine.travel(datetime(2026, 11, 30, 11, 0, tzinfo=MSK), tick=False):
        response = client.get(reverse("admin:tickets_ticket_workspace", args=[ticket.pk]))
    sla = response.context["sla"]
    assert sla["clock"].target == "first_response"
    assert sla["plan"] == ticket.plan and sla["calendar"].name == "Support hours"
    body = response.content.decode()
    assert 'id="sla-box"' in body and "3 h 00 min" in body.replace("ч", "h").replace("мин", "min")


@pytest.mark.django_db
def test_the_customer_sees_when_to_expect_answers_but_not_the_computation(client, customer):
    ticket = file(customer, datetime(2026, 11, 30, 10, 0, tzinfo=MSK), "expected")
    client.force_login(customer)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert 'id="sla-first-response"' in body and "30.11.2026 14:00" in body
    assert 'id="sla-box"' not in body
