"""The portal's pages formatted in Python (the list's rows, the header's URLs) show what the
templates showed, escaped; and a customer still sees only what they may."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from proftiket import portal_urls
from tests.factories import StaffUserFactory, TicketFactory
from tickets.models import Ticket

LIST = reverse("tickets:list")

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    page = response.content.decode()
    if "<tbody>" not in page:
        return []
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", body, flags=re.S)


class TestListRows:
    def test_a_row_shows_the_request_as_the_template_did_with_what_was_typed_escaped(
        self, client, customer
    ):
        engineer = StaffUserFactory(full_name="Инженер <Пётр> & Co")
        ticket = TicketFactory(
            requester=customer,
            assignee=engineer,
            subject='Модем <script>alert("x")</script> & «сеть»',
            type=Ticket.Type.INCIDENT,
            priority=Ticket.Priority.HIGH,
            status=Ticket.Status.IN_PROGRESS,
            blocks_work=True,
            created_at=datetime(2026, 3, 5, 7, 9, tzinfo=UTC),
        )
        client.force_login(customer)
        [row] = rows(client.get(LIST))
        url = ticket.get_absolute_url()
        with translation.override("ru"):
            expected = (
                f'<tr><td><a href="{url}">{ticket.reference}</a></td>'
                f'<td class="subject"><a href="{url}">Модем &lt;script&gt;alert(&quot;x&quot;)'
                "&lt;/script&gt; &amp; «сеть»</a>"
                ' <span class="badge badge-block">блокирует работу</span></td>'
                f"<td>{Ticket.Type.INCIDENT.label}</td>"
                f'<td><span class="prio prio-{Ticket.Priority.HIGH.value}">'
                f"{Ticket.Priority.HIGH.label}</span></td>"
                f'<td><span class="status status-{Ticket.Status.IN_PROGRESS.value}">'
                f"{Ticket.Status.IN_PROGRESS.label}</span></td>"
                "<td>Инженер &lt;Пётр&gt; &amp; Co</td>"
                f"<td>{timezone.localtime(ticket.created_at):%d.%m.%Y %H:%M}</td></tr>"
            )
        assert row == expected

    def test_an_unassigned_request_shows_a_dash_and_no_badge_when_it_blocks_nothing(
        self, client, customer
    ):
        TicketFactory(requester=customer, assignee=None, blocks_work=False)
        client.force_login(customer)
        [row] = rows(client.get(LIST))
        assert "<td>—</td>" in row
        assert "badge-block" not in row

    def test_only_a_manager_sees_the_requester_column(
        self, client, customer, colleague, customer_manager
    ):
        TicketFactory(requester=colleague)
        TicketFactory(requester=customer)
        client.force_login(customer_manager)
        manager_rows = rows(client.get(LIST))
        assert len(manager_rows) == 2
        assert all(row.count("<td>") == 7 for row in manager_rows)
        assert any(f"<td>{colleague.full_name}</td>" in row for row in manager_rows)
        client.force_login(customer)
        [own] = rows(client.get(LIST))  # and not the colleague's request
        assert own.count("<td>") == 6
        assert colleague.full_name not in own

    def test_another_organisations_requests_are_not_among_the_rows(
        self, client, customer, other_org_customer
    ):
        TicketFactory(requester=other_org_customer, subject="Чужое обращение")
        client.force_login(customer)
        response = client.get(LIST)
        assert rows(response) == []
        assert "Чужое обращение" not in response.content.decode()


class TestPortalUrls:
    @pytest.mark.parametrize("key", sorted(portal_urls.NAMES))
    def test_each_url_is_the_reversed_name(self, key):
        assert portal_urls.PORTAL_URLS[key] == reverse(portal_urls.NAMES[key])

    def test_the_help_links_are_the_reversed_guides(self):
        assert portal_urls.url("help", "customer") == reverse("help", args=["customer"])

    def test_a_script_prefix_is_part_of_the_key(self):
        from django.urls import set_script_prefix

        plain = portal_urls.url("tickets:list")
        set_script_prefix("/support/")
        try:
            assert portal_urls.url("tickets:list") == "/support" + plain
        finally:
            set_script_prefix("/")

    def test_the_header_and_menu_link_where_they_did(self, client, customer_manager):
        client.force_login(customer_manager)
        page = client.get(LIST).content.decode()
        for name in (
            "home",
            "accounts:set_language",
            "accounts:profile",
            "accounts:logout",
            "tickets:new",
            "accounts:colleagues",
            "accounts:api_tokens",
            "webhooks:list",
            "reports:my_sla",
        ):
            assert f'"{reverse(name)}"' in page, name
        assert f'href="{reverse("help", args=["customer"])}"' in page
