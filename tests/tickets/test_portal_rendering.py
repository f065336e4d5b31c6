"""The portal's pages formatted in Python (the list's rows, the header's URLs) show what the
templates showed, escaped; and a customer still sees only what they may."""

import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from proftiket import portal_urls
from tests.factories import TINY_PNG, StaffUserFactory, TicketFactory
from tickets import lifecycle
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


class TestEmptyFormsRenderedOnce:
    """{% form_fields %} keeps an empty form's HTML; nothing a customer typed or a setting
    changed meanwhile is ever shown from it."""

    def test_an_empty_form_is_the_same_html_as_the_template_renders_it(self, customer):
        from django.template.loader import render_to_string

        from proftiket.templatetags.form_fields import empty_forms, form_fields
        from tickets.forms import ReplyForm

        empty_forms.clear()
        with translation.override("ru"):
            expected = render_to_string("includes/form_fields.html", {"form": ReplyForm()})
            assert form_fields(ReplyForm()) == expected  # rendered
            assert form_fields(ReplyForm()) == expected  # kept
        with translation.override("en"):
            assert "Your message" in form_fields(ReplyForm())

    def test_a_refused_reply_shows_what_was_typed_and_the_next_page_an_empty_box(
        self, client, customer, settings
    ):
        settings.ATTACHMENT_MAX_FILES = 1
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        url = ticket.get_absolute_url()
        assert 'data-max-files="1"' in client.get(url).content.decode()
        files = [
            SimpleUploadedFile(f"{i}.png", TINY_PNG, content_type="image/png") for i in range(2)
        ]
        refused = client.post(
            reverse("tickets:reply", args=[ticket.reference]),
            {"body": "Мой текст, который нельзя терять", "files": files},
        )
        assert refused.status_code == 400
        assert "Мой текст, который нельзя терять" in refused.content.decode()
        page = client.get(url).content.decode()
        assert "Мой текст, который нельзя терять" not in page
        settings.ATTACHMENT_MAX_FILES = 3
        assert 'data-max-files="3"' in client.get(url).content.decode()

    def test_a_follow_up_form_is_prefilled_and_the_next_empty_form_is_not(self, client, customer):
        previous = TicketFactory(
            requester=customer, subject="Старая тема", status=Ticket.Status.CLOSED
        )
        client.force_login(customer)
        new = reverse("tickets:new")
        assert 'value="Старая тема"' not in client.get(new).content.decode()
        follow_up = client.get(new, {"follow_up": previous.reference}).content.decode()
        assert 'value="Старая тема"' in follow_up
        assert 'value="Старая тема"' not in client.get(new).content.decode()

    def test_another_organisations_request_offers_no_form_at_all(
        self, client, customer, other_org_customer
    ):
        ticket = TicketFactory(requester=other_org_customer)
        client.force_login(customer)
        assert client.get(ticket.get_absolute_url()).status_code == 404


class TestChoiceLabels:
    def test_labels_follow_the_language_of_the_moment(self):
        ticket = Ticket(status=Ticket.Status.CLOSED, priority=Ticket.Priority.HIGH)
        with translation.override("ru"):
            assert ticket.get_status_display() == "Закрыто"
            assert ticket.get_priority_display() == "Высокий"
        with translation.override("en"):
            assert ticket.get_status_display() == "Closed"
            assert ticket.get_priority_display() == "High"

    def test_an_unknown_value_is_shown_as_it_is(self):
        assert Ticket(status="archived").get_status_display() == "archived"

    def test_each_history_kind_has_its_label(self):
        from tickets.models import TicketEvent

        with translation.override("en"):
            for kind in TicketEvent.Kind:
                assert TicketEvent(kind=kind).get_kind_display() == str(kind.label)


class TestRequestPageQueries:
    # Session, user, request, history, messages, files, related requests: the plan (for the
    # automatic closing's working days) only when a solution is proposed.
    DETAIL_QUERIES = 7

    def test_an_open_request_page_does_not_read_the_plan(
        self, client, customer, agent, django_assert_max_num_queries
    ):
        from tests.factories import PlanFactory

        ticket = TicketFactory(requester=customer, plan=PlanFactory())
        lifecycle.take(ticket, actor=agent)
        client.force_login(customer)
        client.get(ticket.get_absolute_url())  # the status notices, read once per process
        with django_assert_max_num_queries(self.DETAIL_QUERIES):
            assert client.get(ticket.get_absolute_url()).status_code == 200

    def test_a_proposed_solution_states_the_plans_working_days(self, client, customer, agent):
        from tests.factories import PlanFactory

        ticket = TicketFactory(requester=customer, plan=PlanFactory(auto_close_working_days=3))
        lifecycle.take(ticket, actor=agent)
        lifecycle.resolve(ticket, actor=agent, solution="Перезагрузите коммутатор.")
        customer.language = "en"
        customer.save()
        client.force_login(customer)
        page = client.get(ticket.get_absolute_url()).content.decode()
        assert "closes automatically after 3 working days" in page

    def test_the_new_request_form_takes_four_queries(
        self, client, customer, django_assert_max_num_queries
    ):
        client.force_login(customer)
        client.get(reverse("tickets:new"))
        # Session, user, the organisation's contract; the similar-requests URL is no query.
        with django_assert_max_num_queries(4):
            assert client.get(reverse("tickets:new")).status_code == 200


class TestListFilter:
    def test_a_chosen_filter_is_shown_chosen_and_the_plain_list_after_it_is_not(
        self, client, customer
    ):
        TicketFactory(requester=customer, status=Ticket.Status.WAITING)
        client.force_login(customer)
        chosen = '<option value="waiting" selected>'
        assert chosen not in client.get(LIST).content.decode()
        assert chosen in client.get(LIST, {"status": "waiting"}).content.decode()
        assert chosen not in client.get(LIST).content.decode()
        assert 'value="модем"' in client.get(LIST, {"q": "модем"}).content.decode()
        assert 'value="модем"' not in client.get(LIST).content.decode()


def test_postgresql_knows_that_the_requester_decides_the_organisation():
    """The customer's list plans on dependency statistics (migration 0029): without them a
    customer with thousands of requests was estimated at 25 and every one of them was read."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("extended statistics are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'ticket_org_requester'"
        )
        assert cursor.fetchall() == [(["f"],)]  # f: functional dependencies
