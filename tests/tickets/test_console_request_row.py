"""The workspace's request read in plain SQL: the same objects as the ORM's form, fewer queries."""

import pytest

from tests.factories import TicketFactory
from tickets import lifecycle
from tickets.console import request_row
from tickets.models import Rating, Ticket

ORM = Ticket.objects.select_related(
    "organization", "contract", "plan__calendar", "rating"
).prefetch_related("plan__targets")


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.mark.django_db
class TestRequestWithPlan:
    def test_everything_the_orm_gives_in_two_queries_and_none_after(
        self, customer, django_assert_num_queries
    ):
        ticket = lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.INCIDENT, subject="Printer", description="..."
        )
        Rating.objects.create(ticket=ticket, score=4, comment="Fine", rated_by=customer)
        expected = ORM.get(pk=ticket.pk)
        assert expected.plan is not None  # the customer's organisation has a contract
        with django_assert_num_queries(2):
            loaded = request_row.request_with_plan(ticket.pk)
        with django_assert_num_queries(0):
            assert fields(loaded) == fields(expected)
            assert fields(loaded.organization) == fields(expected.organization)
            assert fields(loaded.contract) == fields(expected.contract)
            assert fields(loaded.plan) == fields(expected.plan)
            assert fields(loaded.plan.calendar) == fields(expected.plan.calendar)
            assert [fields(t) for t in loaded.plan.targets.all()] == [
                fields(t) for t in expected.plan.targets.all()
            ]
            assert loaded.plan.targets_for(ticket.priority).plan is loaded.plan
            assert fields(loaded.rating) == fields(expected.rating)
            assert loaded.rating.ticket is loaded
        assert not loaded._state.adding

    def test_a_request_without_contract_plan_or_rating_in_one_query(
        self, django_assert_num_queries
    ):
        ticket = TicketFactory()
        with django_assert_num_queries(1):
            loaded = request_row.request_with_plan(ticket.pk)
        with django_assert_num_queries(0):
            assert loaded.organization == ticket.organization
            assert loaded.contract is None and loaded.plan is None
            with pytest.raises(Rating.DoesNotExist):
                _ = loaded.rating

    def test_no_such_request(self, db):
        assert request_row.request_with_plan(999999) is None
