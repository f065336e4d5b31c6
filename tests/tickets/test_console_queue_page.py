"""The queue page written in one pass (tickets.console.queue_page): the admin's parts, its
counts capped in words, the admin's own templates where the queue's do not fit."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import StaffUserFactory, TicketFactory
from tests.tickets.console_helpers import CHANGELIST
from tickets import lifecycle
from tickets.console.queue import QUEUE_TEMPLATE, QueueAdmin
from tickets.models import Ticket
from tickets.paging import CappedPaginator

P = Ticket.Priority


def template_names(response) -> set:
    return {template.name for template in response.templates}


@pytest.mark.django_db
class TestQueuePage:
    def test_the_page_has_filters_search_actions_sortable_columns_and_pages(
        self, client, supervisor, customer
    ):
        TicketFactory.create_batch(3, requester=customer)
        client.force_login(supervisor)
        response = client.get(CHANGELIST, {"status": "all", "o": "-1"})
        assert QUEUE_TEMPLATE in template_names(response)
        assert "admin/change_list.html" not in template_names(response)
        page = response.content.decode()
        for part in (
            '<search id="changelist-filter"',  # the filters
            'data-filter-title="',
            'class="console-org-filter"',
            '<form id="changelist-search"',  # the search box, keeping the other parameters
            '<input type="hidden" name="status" value="all">',
            'id="searchbar_helptext"',
            '<select name="action" required>',  # the action bar, engineers for a supervisor
            '<select name="engineer">',
            '<input type="hidden" name="select_across" value="0" class="select-across">',
            'data-actions-icnt="3"',
            'id="action-toggle"',  # the table: select all, sorted by the ID, newest first
            'class="sortable column-reference sorted descending"',
            'class="sortremove"',
            '<nav class="paginator"',
            'id="logout-form"',  # the console's chrome
            'class="console-langswitch"',
            'id="availability"',
        ):
            assert part in page, part
        assert page.count('class="action-select"') == 3

    def test_a_capped_count_says_more_than_everywhere(self, client, agent, customer, monkeypatch):
        monkeypatch.setattr(CappedPaginator, "cap", 2)
        monkeypatch.setattr(QueueAdmin, "list_per_page", 1)
        TicketFactory.create_batch(4, requester=customer)
        client.force_login(agent)
        with translation.override("ru"):
            page = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
        assert '<span class="console-count">Более 2 обращений</span>' in page
        assert "Более 2 обращений (<a" in page  # beside the search box, not "3 результата"
        assert "Выбрать все обращения (более 2)" in page
        assert "3" not in page.split('class="all hidden">')[1].split("<")[0]

    def test_the_organisation_links_keep_the_other_filters(
        self, client, agent, customer, other_org_customer
    ):
        TicketFactory(requester=other_org_customer, priority=P.LOW)
        client.force_login(agent)
        page = client.get(CHANGELIST, {"org": "beta", "priority__exact": P.LOW}).content.decode()
        organisation = other_org_customer.organization_id
        link = f"org=beta&amp;organization__id__exact={organisation}&amp;priority__exact=4"
        assert link in page
        assert '<a href="?priority__exact=4">' in page  # "All" organisations

    def test_pages_read_with_their_count_and_a_page_past_the_end(
        self, client, agent, customer, monkeypatch
    ):
        monkeypatch.setattr(QueueAdmin, "list_per_page", 2)
        first, second, third = TicketFactory.create_batch(3, requester=customer)
        client.force_login(agent)
        response = client.get(CHANGELIST, {"o": "1"})
        assert [t.pk for t in response.context["cl"].result_list] == [first.pk, second.pk]
        assert '<span class="console-count">3 обращения</span>' in response.content.decode()
        response = client.get(CHANGELIST, {"o": "1", "p": 2})
        assert [t.pk for t in response.context["cl"].result_list] == [third.pk]
        response = client.get(CHANGELIST, {"o": "1", "p": 9})
        assert response.status_code == 302 and "e=1" in response.url

    def test_a_popup_keeps_the_admins_own_templates(self, client, agent, ticket):
        client.force_login(agent)
        response = client.get(CHANGELIST, {"_popup": 1})
        assert response.status_code == 200
        assert QUEUE_TEMPLATE not in template_names(response)
        assert "admin/change_list.html" in template_names(response)

    def test_customer_is_refused(self, client, customer):
        client.force_login(customer)
        response = client.get(CHANGELIST)
        assert response.status_code == 302 and "/login/" in response.url

    @pytest.mark.parametrize("count", [5, 60])
    def test_the_page_takes_three_queries_whatever_its_length(
        self, client, supervisor, customer, django_assert_max_num_queries, count
    ):
        StaffUserFactory.create_batch(3)
        TicketFactory.create_batch(count, requester=customer, assignee=supervisor)
        client.force_login(supervisor)
        # The first view of a process also reads the engineers and the plans (local_copies).
        with django_assert_max_num_queries(7):
            assert client.get(CHANGELIST).status_code == 200
        # Session, user, the page with its capped count: engineers, plans, targets from memory.
        with django_assert_max_num_queries(3):
            assert client.get(CHANGELIST).status_code == 200

    def test_a_new_engineer_and_a_changed_target_show_on_the_next_page(
        self, client, supervisor, customer
    ):
        ticket = lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.INCIDENT, subject="Модем", description="..."
        )
        client.force_login(supervisor)
        client.get(CHANGELIST)
        StaffUserFactory(full_name="Новый Инженер")
        target = ticket.plan.targets.get(priority=ticket.priority)
        target.resolution *= 100
        target.save()
        response = client.get(CHANGELIST)
        page = response.content.decode()
        assert page.count(">Новый Инженер<") == 2  # the filter and the action bar
        [shown] = response.context["cl"].result_list
        assert shown.plan.targets_for(ticket.priority).resolution == target.resolution


def _chrome(html: str) -> str:
    """The page outside its content, tokens and nonces aside, whitespace collapsed (as
    tests/tickets/test_console_chrome.py does for the workspace)."""
    html = re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'\s*nonce="[^"]+"', "", html)
    head, rest = html.split('<nav aria-label="', 1)
    tail = rest[rest.rindex('<br class="clear">') :]
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", head + tail)).replace(" >", ">")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "supervisor"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_queue_has_the_chrome_of_every_other_console_page(
    client, request, ticket, role, language
):
    """The queue's lean chrome (admin/console_page.html) is the admin's: the same header,
    styles and footer as the admin's templates give the request's history."""
    user = request.getfixturevalue(role)
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    history = reverse("admin:tickets_ticket_history", args=[ticket.pk])
    own = _chrome(client.get(CHANGELIST).content.decode()).replace(CHANGELIST, history)
    admins = _chrome(client.get(history).content.decode())
    # Only what differs by page: the title, the changelist's styles and scripts, the body class.
    own = re.sub(r"<title>.*?</title>", "", own)
    admins = re.sub(r"<title>.*?</title>", "", admins)
    own = re.sub(r'<link rel="stylesheet" href="[^"]*changelists\.css">', "", own)
    own = re.sub(r"<script [^>]*></script>", "", own)
    admins = re.sub(r"<script [^>]*></script>", "", admins)
    own = re.sub(r'<body class="[^"]*"', "<body", own)
    admins = re.sub(r'<body class="[^"]*"', "<body", admins)
    assert "console-langswitch" in own
    assert own == admins
