"""The console's admin site: every model admin refuses a malformed bulk-action selection."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import Role
from tests.factories import TicketFactory
from tickets.models import Ticket

TICKETS = reverse("admin:tickets_ticket_changelist")
USERS = reverse("admin:accounts_user_changelist")


def bulk(client, url, action, selected):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: selected, "index": 0})


@pytest.mark.django_db
class TestBulkActionSelection:
    @pytest.mark.parametrize("bad", ["abc", "1.5", "", "99999999999999999999999"], ids=repr)
    def test_a_selection_that_is_not_an_id_is_a_400_and_changes_nothing(
        self, client, agent, customer, bad
    ):
        ticket = TicketFactory(requester=customer)
        client.force_login(agent)
        response = bulk(client, TICKETS, "take_selected", [str(ticket.pk), bad])
        assert response.status_code == 400
        assert "Выбор недействителен" in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.NEW

    def test_the_same_holds_for_other_model_admins(self, client, supervisor, customer):
        client.force_login(supervisor)
        assert bulk(client, USERS, "resend_invitation", ["abc"]).status_code == 400

    def test_a_valid_selection_still_works(self, client, agent, customer):
        ticket = TicketFactory(requester=customer)
        client.force_login(agent)
        response = bulk(client, TICKETS, "take_selected", [str(ticket.pk)])
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.assignee == agent

    def test_a_customer_is_sent_to_the_login_page_not_told_about_the_selection(
        self, client, customer
    ):
        client.force_login(customer)
        response = bulk(client, TICKETS, "take_selected", ["abc"])
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
class TestMalformedAdminParameters:
    def test_an_empty_to_field_is_a_400_not_a_missing_field_error(
        self, client, supervisor, customer
    ):
        client.force_login(supervisor)
        url = reverse("admin:accounts_user_change", args=[customer.pk])
        assert client.get(f"{url}?_to_field=").status_code == 400
        assert client.get(url).status_code == 200

    @pytest.mark.parametrize("bad", ["abc", "   ", "1e309", "99999999999999999999999"], ids=repr)
    def test_an_autocomplete_value_that_is_not_an_id_is_a_form_error(
        self, client, administrator, customer, bad
    ):
        # The form said "select a valid choice", then rendering the autocomplete with the
        # submitted value failed: 500.
        client.force_login(administrator)
        url = reverse("admin:accounts_user_change", args=[customer.pk])
        response = client.post(url, {
            "email": customer.email, "full_name": customer.full_name, "language": "ru",
            "role": Role.CUSTOMER, "organization": bad, "is_active": "on",
        })  # fmt: skip
        assert response.status_code == 200
        assert "Выберите корректный вариант" in response.content.decode()
        customer.refresh_from_db()
        assert customer.organization_id is not None

    @pytest.mark.parametrize("year", ["99999999999999999999999999", "２０２６", "-1"])
    def test_a_date_hierarchy_year_that_is_not_a_small_number_is_a_400(
        self, client, administrator, year
    ):
        # Found by the fuzzing test: a huge year overflowed the admin's date arithmetic (500).
        client.force_login(administrator)
        url = reverse("admin:axes_accesslog_changelist")
        assert client.get(url, {"attempt_time__year": year}).status_code == 400
        assert client.get(url, {"attempt_time__year": "2026"}).status_code == 200
