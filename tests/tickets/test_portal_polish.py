"""Portal details found in QA: action URLs after an error, unique ids, sorting, colleagues."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from tests.factories import StaffUserFactory, TicketFactory, UserFactory
from tickets import lifecycle
from tickets.models import Ticket, TicketEvent

S = Ticket.Status
LIST = reverse("tickets:list")
LOGIN = reverse("accounts:login")
COLLEAGUES = reverse("accounts:colleagues")
SET_LANGUAGE = reverse("accounts:set_language")
ACTIONS = ("reply", "confirm", "dispute", "withdraw")

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return unescape(response.content.decode())


def action_url(name, ticket) -> str:
    return reverse(f"tickets:{name}", kwargs={"reference": ticket.reference})


def russian(text: str) -> str:
    with translation.override("ru"):
        return gettext(text)


def resolved_request(customer, agent) -> Ticket:
    ticket = TicketFactory(requester=customer)
    lifecycle.take(ticket, actor=agent)
    lifecycle.resolve(ticket, actor=agent, solution="Перезагрузите коммутатор.")
    ticket.refresh_from_db()
    return ticket


# --- An action's URL opened with GET ------------------------------------------------------------


class TestActionUrlsOpenedWithGet:
    @pytest.mark.parametrize("action", ACTIONS)
    def test_a_get_is_a_405_page_and_changes_nothing(self, client, customer, agent, action):
        # It used to go to the request page, which looked as if the action had been done.
        ticket = resolved_request(customer, agent)
        events = ticket.events.count()
        client.force_login(customer)
        response = client.get(action_url(action, ticket))
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        assert "Этот адрес не открывается как страница" in html(response)
        ticket.refresh_from_db()
        assert ticket.status == S.RESOLVED
        assert ticket.events.count() == events

    @pytest.mark.parametrize("action", ACTIONS)
    def test_a_get_by_someone_who_may_not_see_the_request_tells_nothing_more(
        self, client, customer, other_org_customer, action
    ):
        ticket = TicketFactory(requester=customer)
        client.force_login(other_org_customer)
        assert client.get(action_url(action, ticket)).status_code == 405
        assert client.get(action_url(action, ticket).replace(ticket.reference, "PT-999999")
                          ).status_code == 405  # fmt: skip

    @pytest.mark.parametrize("action", ACTIONS)
    def test_an_anonymous_get_is_sent_to_login(self, client, customer, action):
        ticket = TicketFactory(requester=customer)
        response = client.get(action_url(action, ticket))
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)

    @pytest.mark.parametrize("action", ACTIONS)
    def test_other_methods_are_still_not_allowed(self, client, customer, action):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        assert client.put(action_url(action, ticket)).status_code == 405
        assert client.delete(action_url(action, ticket)).status_code == 405

    def test_switching_language_after_a_refused_objection_shows_the_request(
        self, client, customer, agent
    ):
        ticket = resolved_request(customer, agent)
        client.force_login(customer)
        dispute = action_url("dispute", ticket)
        response = client.post(dispute, {"reason": "", "seen_status": S.RESOLVED})
        assert response.status_code == 400
        # The page is shown at the action's URL; its language switch returns to the request.
        next_url = ticket.get_absolute_url()
        assert f'name="next" value="{next_url}"' in response.content.decode()
        response = client.post(SET_LANGUAGE, {"language": "en", "next": next_url}, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1] == (ticket.get_absolute_url(), 302)
        assert "Support has proposed a solution" in html(response)
        ticket.refresh_from_db()
        assert ticket.status == S.RESOLVED


# --- Withdraw and dispute forms on one page ----------------------------------------------------


class TestFormsOnTheResolvedRequestPage:
    def test_ids_are_unique_and_every_label_points_at_its_field(self, client, customer, agent):
        ticket = resolved_request(customer, agent)
        client.force_login(customer)
        page = client.get(ticket.get_absolute_url()).content.decode()
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        targets = re.findall(r'<label[^>]*\sfor="([^"]+)"', page)
        assert "id_withdraw-reason" in targets
        assert "id_reason" in targets  # the objection
        assert set(targets) <= set(ids)
        assert 'name="withdraw-reason"' in page

    def test_the_withdrawal_reason_is_read_under_its_prefix(self, client, customer, colleague):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        client.post(
            action_url("withdraw", ticket),
            {"withdraw-reason": "Сами разобрались.", "seen_status": S.NEW},
        )
        ticket.refresh_from_db()
        assert ticket.status == S.CLOSED
        assert ticket.events.get(kind=TicketEvent.Kind.WITHDRAWN).note == "Сами разобрались."

    def test_a_colleague_cannot_withdraw_someone_elses_request(self, client, customer, colleague):
        ticket = TicketFactory(requester=customer)
        client.force_login(colleague)
        response = client.post(
            action_url("withdraw", ticket), {"withdraw-reason": "Не нужно.", "seen_status": S.NEW}
        )
        assert response.status_code == 404
        ticket.refresh_from_db()
        assert ticket.status == S.NEW


# --- "Most urgent first" -----------------------------------------------------------------------


class TestMostUrgentFirst:
    def test_open_requests_come_before_resolved_and_closed_ones_of_the_same_priority(
        self, client, customer, other_org_customer
    ):
        now = timezone.now()

        def make(status, priority, days_ago):
            return TicketFactory(
                requester=customer, status=status, priority=priority,
                created_at=now - timedelta(days=days_ago),
            )  # fmt: skip

        closed_critical = make(S.CLOSED, 1, 9)
        resolved_critical = make(S.RESOLVED, 1, 8)
        waiting_critical = make(S.WAITING, 1, 1)
        new_critical = make(S.NEW, 1, 2)
        in_progress_normal = make(S.IN_PROGRESS, 3, 7)
        new_low = make(S.NEW, 4, 6)
        closed_high = make(S.CLOSED, 2, 5)
        resolved_low = make(S.RESOLVED, 4, 4)
        TicketFactory(requester=other_org_customer, priority=1)  # never listed for `customer`
        client.force_login(customer)
        response = client.get(LIST, {"sort": "priority"})
        assert list(response.context["page"].object_list) == [
            new_critical,  # open, critical, the older of the two first
            waiting_critical,
            in_progress_normal,
            new_low,
            resolved_critical,
            resolved_low,
            closed_critical,
            closed_high,
        ]

    def test_sorting_by_urgency_costs_no_extra_query(self, client, customer, colleague):
        agent = StaffUserFactory()
        for i, status in enumerate([S.NEW, S.CLOSED, S.WAITING, S.RESOLVED] * 5):
            TicketFactory(requester=customer, status=status, priority=i % 4 + 1, assignee=agent)
        client.force_login(customer)
        client.get(LIST)  # the session is loaded once per client either way
        with CaptureQueriesContext(connection) as newest_first:
            client.get(LIST)
        with CaptureQueriesContext(connection) as most_urgent:
            response = client.get(LIST, {"sort": "priority"})
        assert len(most_urgent) == len(newest_first)
        assert response.status_code == 200


# --- The colleagues page -----------------------------------------------------------------------


class TestColleaguesStatus:
    def test_an_invited_user_without_a_password_is_not_shown_as_active(
        self, client, customer_manager, colleague
    ):
        invited = UserFactory(
            email="invited@alpha.test", organization=customer_manager.organization
        )
        invited.set_unusable_password()
        invited.save()
        client.force_login(customer_manager)
        page = html(client.get(COLLEAGUES))
        rows = {
            email: row
            for row in re.findall(r"<tr.*?</tr>", page, flags=re.S)
            for email in (invited.email, colleague.email)
            if email in row
        }
        assert russian("invited, no password yet") in rows[invited.email]
        assert f">{russian('active')}<" not in rows[invited.email]
        assert f">{russian('active')}<" in rows[colleague.email]
        assert russian("invited, no password yet") not in rows[colleague.email]

    def test_a_deactivated_invited_user_is_shown_as_deactivated(self, client, customer_manager):
        invited = UserFactory(organization=customer_manager.organization, is_active=False)
        invited.set_unusable_password()
        invited.save()
        client.force_login(customer_manager)
        page = html(client.get(COLLEAGUES))
        [row] = [r for r in re.findall(r"<tr.*?</tr>", page, flags=re.S) if invited.email in r]
        assert russian("deactivated") in row
        assert russian("invited, no password yet") not in row

    def test_the_page_stays_refused_to_a_plain_customer(self, client, customer):
        client.force_login(customer)
        assert client.get(COLLEAGUES).status_code == 403


# --- The facts of a disputed request ---------------------------------------------------------


class TestResolvedDateFollowsTheSolutionInForce:
    def test_after_a_dispute_the_page_no_longer_says_resolved(self, client, customer, agent):
        # It showed "Решено 06:57" next to "В работе".
        ticket = resolved_request(customer, agent)
        client.force_login(customer)
        assert "<dt>Решено</dt>" in html(client.get(ticket.get_absolute_url()))
        lifecycle.dispute(ticket, actor=customer, reason="Не помогло")
        page = html(client.get(ticket.get_absolute_url()))
        assert "<dt>Решено</dt>" not in page
        assert "В работе" in page

    def test_a_second_solution_shows_its_own_time(self, client, customer, agent):
        ticket = resolved_request(customer, agent)
        lifecycle.dispute(ticket, actor=customer, reason="Не помогло")
        lifecycle.resolve(ticket, actor=agent, solution="Теперь точно")
        ticket.refresh_from_db()
        client.force_login(customer)
        page = html(client.get(ticket.get_absolute_url()))
        local = timezone.localtime(ticket.resolved_at).strftime("%d.%m.%Y %H:%M")
        assert f"<dt>Решено</dt><dd>{local}</dd>" in page
