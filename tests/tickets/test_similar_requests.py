"""Similar requests while a customer types a new request's subject (tickets.search, the portal)."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import TicketFactory, UserFactory
from tickets.models import Ticket
from tickets.views import portal

pytestmark = pytest.mark.django_db
S = Ticket.Status
SIMILAR = reverse("tickets:similar")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ranking by likeness is PostgreSQL's"
)


def suggested(client, subject):
    response = client.get(SIMILAR, {"subject": subject})
    assert response.status_code == 200
    return [item["reference"] for item in response.json()["results"]]


class TestSimilarRequests:
    def test_other_word_forms_and_order_find_the_same_problem(self, client, customer, agent):
        same = TicketFactory(requester=customer, subject="Модемы не работают", description="-")
        TicketFactory(requester=customer, subject="Счёт за октябрь", description="-")
        client.force_login(customer)
        assert suggested(client, "не работает модем") == [same.reference]

    @on_postgresql
    def test_the_best_match_comes_first_and_at_most_five(self, client, customer):
        best = TicketFactory(requester=customer, subject="Модем не работает", description="-")
        TicketFactory.create_batch(
            6, requester=customer, subject="Модем мигает", description="Перезагрузка."
        )
        client.force_login(customer)
        found = suggested(client, "модем не работает")
        assert found[0] == best.reference and len(found) == 5

    def test_only_open_requests_are_suggested(self, client, customer, agent):
        done = TicketFactory(requester=customer, subject="Модем не работает", status=S.CLOSED)
        client.force_login(customer)
        assert done.reference not in suggested(client, "модем не работает")

    def test_another_organisations_request_is_never_shown(
        self, client, customer, customer_manager, other_org_customer
    ):
        TicketFactory(requester=other_org_customer, subject="Модем не работает")
        for user in (customer, customer_manager):
            client.force_login(user)
            assert suggested(client, "модем не работает") == []

    def test_a_manager_sees_colleagues_requests_a_customer_only_their_own(
        self, client, customer, colleague, customer_manager
    ):
        theirs = TicketFactory(requester=colleague, subject="Модем не работает")
        client.force_login(customer)
        assert suggested(client, "модем не работает") == []
        client.force_login(customer_manager)
        assert suggested(client, "модем не работает") == [theirs.reference]

    def test_short_or_empty_subjects_suggest_nothing(self, client, customer):
        TicketFactory(requester=customer, subject="Модем")
        client.force_login(customer)
        for subject in ("", "мод", "  !!  ", "²²²²"):
            assert suggested(client, subject) == []

    def test_anonymous_is_sent_to_log_in(self, client):
        response = client.get(SIMILAR, {"subject": "модем"})
        assert response.status_code == 302 and reverse("accounts:login") in response.url

    def test_support_staff_are_refused(self, client, agent, customer):
        TicketFactory(requester=customer, subject="Модем не работает")
        client.force_login(agent)
        response = client.get(SIMILAR, {"subject": "модем не работает"})
        assert response.status_code == 403 and response.json()["results"] == []

    def test_too_many_look_ups_are_refused_for_a_while(self, client, customer, settings):
        client.force_login(customer)
        for _ in range(portal.SIMILAR_RATE.limit):
            assert client.get(SIMILAR, {"subject": "модем"}).status_code == 200
        response = client.get(SIMILAR, {"subject": "модем"})
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        other = UserFactory(organization=customer.organization)
        client.force_login(other)
        assert client.get(SIMILAR, {"subject": "модем"}).status_code == 200

    def test_answers_with_a_constant_number_of_queries(
        self, client, customer, django_assert_max_num_queries
    ):
        TicketFactory.create_batch(8, requester=customer, subject="Модем не работает")
        client.force_login(customer)
        # Session, user, the rate counter (a read, and a write that the tests' database cache
        # makes five statements; none with Redis), the suggestions.
        with django_assert_max_num_queries(9):
            assert len(suggested(client, "модем не работает")) == 5

    def test_the_form_has_the_suggestion_box_and_its_script(self, client, customer):
        client.force_login(customer)
        page = client.get(reverse("tickets:new")).content.decode()
        assert f'data-url="{SIMILAR}"' in page
        assert "js/similar.js" in page
