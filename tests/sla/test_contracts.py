from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from sla.models import Contract, active_contract
from tests.factories import ContractFactory, OrganizationFactory, UserFactory
from tickets import lifecycle
from tickets.models import Ticket


@pytest.mark.django_db
class TestOneContractAtATime:
    def test_the_database_refuses_overlapping_contracts(self):
        organization = OrganizationFactory()
        first = ContractFactory(organization=organization, starts_on=date(2026, 1, 1),
                                ends_on=date(2026, 12, 31))  # fmt: skip
        with pytest.raises(IntegrityError), transaction.atomic():
            Contract.objects.create(organization=organization, plan=first.plan, number="X-2",
                                    starts_on=date(2026, 6, 1))  # fmt: skip

    def test_consecutive_contracts_are_fine_and_the_right_one_is_in_force(self):
        organization = OrganizationFactory()
        old = ContractFactory(organization=organization, starts_on=date(2025, 1, 1),
                              ends_on=date(2025, 12, 31))  # fmt: skip
        new = ContractFactory(organization=organization, starts_on=date(2026, 1, 1))
        assert active_contract(organization.pk, date(2025, 7, 1)) == old
        assert active_contract(organization.pk, date(2026, 7, 1)) == new
        assert active_contract(organization.pk, date(2024, 7, 1)) is None

    def test_the_contract_in_force_comes_with_its_plan_calendar_and_targets_in_one_query(
        self, django_assert_num_queries
    ):
        contract = ContractFactory(starts_on=date(2026, 1, 1))
        expected = sorted((t.priority, t.first_response, t.resolution)
                          for t in contract.plan.targets.all())  # fmt: skip
        with django_assert_num_queries(1):
            found = active_contract(contract.organization_id, date(2026, 7, 1))
            plan = found.plan
            targets = [(t.priority, t.first_response, t.resolution) for t in plan.targets.all()]
            assert plan.targets_for(expected[0][0]).first_response == expected[0][1]
            assert (plan.name, plan.covered_types) == (contract.plan.name,
                                                       contract.plan.covered_types)  # fmt: skip
            assert plan.calendar.updated_at == contract.plan.calendar.updated_at
        assert found == contract and found.number == contract.number
        assert found.ends_on is None and found.starts_on == date(2026, 1, 1)
        assert targets == expected and len(targets) > 1

    def test_a_plan_without_targets_comes_with_none(self):
        contract = ContractFactory(starts_on=date(2026, 1, 1))
        contract.plan.targets.all().delete()
        found = active_contract(contract.organization_id, date(2026, 7, 1))
        assert found == contract
        assert list(found.plan.targets.all()) == []
        assert found.plan.targets_for(1) is None

    def test_another_organisation_may_have_a_contract_in_the_same_period(self):
        ContractFactory(starts_on=date(2026, 1, 1))
        ContractFactory(starts_on=date(2026, 1, 1))
        assert Contract.objects.count() == 2

    def test_the_form_validation_explains_the_overlap(self):
        existing = ContractFactory(starts_on=date(2026, 1, 1))
        contract = Contract(organization=existing.organization, plan=existing.plan,
                            number="X-3", starts_on=date(2027, 1, 1))  # fmt: skip
        with translation.override("en"), pytest.raises(ValidationError, match="at most one"):
            contract.full_clean()


@pytest.mark.django_db
class TestWithoutContract:
    @pytest.fixture
    def uncovered_customer(self):
        return UserFactory(organization=OrganizationFactory(name="Gamma Telecom"))

    def test_an_organisation_without_a_contract_cannot_file(self, uncovered_customer):
        with pytest.raises(lifecycle.NoContract):
            lifecycle.create_ticket(requester=uncovered_customer, type=Ticket.Type.INCIDENT,
                                    subject="s", description="d")  # fmt: skip
        assert not Ticket.objects.exists()

    def test_its_users_see_a_clear_message_instead_of_the_form(self, client, uncovered_customer,
                                                               settings):  # fmt: skip
        settings.SUPPORT_CONTACT = "sales@proftiket.test"
        client.force_login(uncovered_customer)
        for response in (
            client.get(reverse("tickets:new")),
            client.post(reverse("tickets:new"), {"type": "incident", "subject": "s",
                                                 "description": "d"}),
        ):  # fmt: skip
            assert response.status_code == 403
            assert "sales@proftiket.test" in response.content.decode()
        assert not Ticket.objects.exists()

    def test_a_customer_with_a_contract_gets_the_form(self, client, customer):
        client.force_login(customer)
        assert client.get(reverse("tickets:new")).status_code == 200

    def test_staff_see_the_organisation_flagged_in_the_admin(
        self, client, supervisor, uncovered_customer, organization
    ):
        client.force_login(supervisor)
        url = reverse("admin:accounts_organization_changelist")
        flagged = client.get(url, {"contract": "no"}).content.decode()
        assert "Gamma Telecom" in flagged and "Alpha Telecom" not in flagged
