"""The queue's rows formatted in one pass are the admin's own rendering, cell for cell."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.utils import translation

from tests.factories import TicketFactory
from tests.tickets.console_helpers import CHANGELIST
from tickets import lifecycle
from tickets.console import queue_rows
from tickets.models import Ticket

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 1, 13, 0, tzinfo=MSK)


def generic_rows(changelist):
    """What the admin's items_for_result makes of the same page (through the column methods)."""
    return [
        ["".join(items_for_result(changelist, ticket, None))] for ticket in changelist.result_list
    ]


@pytest.fixture
def varied_queue(customer, other_org_customer, agent):
    """Requests with and without an engineer, an SLA, a stopped clock, a major incident."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        filed = [
            lifecycle.create_ticket(requester=requester, type=Ticket.Type.INCIDENT,
                                    subject=f"Модем <b>{i}</b> & «кавычки»", description="...")
            for i, requester in enumerate([customer, other_org_customer, customer])
        ]  # fmt: skip
        lifecycle.take(filed[0], actor=agent)
        lifecycle.request_info(filed[0], actor=agent, question="Серийный номер?")
        lifecycle.take(filed[1], actor=agent)
    TicketFactory(requester=customer, is_major_incident=True, subject="Авария")
    TicketFactory(requester=customer, major_incident=Ticket.objects.get(subject="Авария"))
    TicketFactory(requester=customer, plan=None, type=Ticket.Type.SERVICE_REQUEST)
    return filed


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "en"])
def test_fast_rows_are_the_admins_own_rendering(client, agent, varied_queue, language):
    client.force_login(agent)
    with translation.override(language), time_machine.travel(NOW, tick=False):
        response = client.get(CHANGELIST, {"status": "all"}, HTTP_ACCEPT_LANGUAGE=language)
        changelist = response.context["cl"]
        fast = queue_rows.rows(changelist)
        generic = generic_rows(changelist)
    assert len(fast) == len(changelist.result_list) == 6
    assert fast == generic
    body = response.content.decode()
    assert "Модем &lt;b&gt;0&lt;/b&gt; &amp; «кавычки»" in body
    assert body.count('class="action-select"') == 6


@pytest.mark.django_db
def test_the_page_reads_only_the_columns_it_shows(client, agent, varied_queue):
    client.force_login(agent)
    [ticket, *_] = client.get(CHANGELIST).context["cl"].result_list
    assert {"description", "technical_details"} <= ticket.get_deferred_fields()


def test_date_formats_fall_back_to_django_for_what_strftime_cannot_do():
    assert queue_rows._strftime_pattern("d.m H:i") == "%d.%m %H:%M"
    assert queue_rows._strftime_pattern("d.m.Y H:i") == "%d.%m.%Y %H:%M"
    assert queue_rows._strftime_pattern("j E Y г.") is None
    assert queue_rows._strftime_pattern("100% d") == "100%% %d"
