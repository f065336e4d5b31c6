import re

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts import services
from accounts.models import Role, User
from tests.conftest import text_body

COLLEAGUES = reverse("accounts:colleagues")


def invite(client, **overrides):
    data = {
        "email": "new@alpha.test",
        "full_name": "Новый Сотрудник",
        "role": Role.CUSTOMER,
        "language": "ru",
        "phone": "",
    }
    # The invitation e-mail leaves after commit, as in production.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(COLLEAGUES, {**data, **overrides})


@pytest.mark.django_db
class TestColleagues:
    def test_manager_sees_only_own_organisation(
        self, client, customer_manager, customer, other_org_customer
    ):
        client.force_login(customer_manager)
        body = client.get(COLLEAGUES).content.decode()
        assert customer.email in body
        assert other_org_customer.email not in body

    @pytest.mark.parametrize("who", ["customer", "agent", "supervisor"])
    def test_page_is_refused_to_everyone_but_customer_managers(self, client, request, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(COLLEAGUES).status_code == 403
        assert invite(client).status_code == 403
        assert not User.objects.filter(email="new@alpha.test").exists()

    def test_invitation_creates_user_in_own_organisation_and_mails_a_working_link(
        self, client, customer_manager, smtp_server
    ):
        client.force_login(customer_manager)
        response = invite(client)
        assert response.status_code == 302
        user = User.objects.get(email="new@alpha.test")
        assert user.organization == customer_manager.organization
        assert not user.has_usable_password()
        [message] = smtp_server.to("new@alpha.test")
        assert "приглашены" in message["Subject"]
        path = re.search(r"http://testserver(/account/invitation/\S+/)", text_body(message))[1]
        client.logout()
        response = client.get(path, follow=True)
        form_url = response.redirect_chain[-1][0]
        response = client.post(
            form_url, {"new_password1": "Welcome-aboard-1", "new_password2": "Welcome-aboard-1"}
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_invitation_in_english_for_english_colleague(
        self, client, customer_manager, smtp_server
    ):
        client.force_login(customer_manager)
        invite(client, language="en")
        [message] = smtp_server.messages
        assert message["Subject"] == "You are invited to the ProfTicket support portal"

    def test_manager_cannot_invite_staff_roles(self, client, customer_manager):
        client.force_login(customer_manager)
        response = invite(client, role=Role.AGENT)
        assert response.status_code == 200
        assert not User.objects.filter(email="new@alpha.test").exists()

    def test_an_address_of_another_organisation_gets_the_answer_of_a_new_one(
        self, client, customer_manager, other_org_customer, smtp_server
    ):
        # It said "a user with this e-mail already exists": any address could be probed.
        client.force_login(customer_manager)
        fresh = invite(client, email="new@alpha.test")
        foreign = invite(client, email=other_org_customer.email.upper())
        assert (fresh.status_code, foreign.status_code) == (302, 302)
        assert fresh.url == foreign.url
        page = client.get(COLLEAGUES).content.decode()
        assert "Приглашение отправлено на client@beta.test" in page
        other_org_customer.refresh_from_db()
        assert other_org_customer.organization.name == "Beta Telecom"
        assert User.objects.filter(email__iexact=other_org_customer.email).count() == 1
        # Its owner gets a neutral notice, not an invitation with a link.
        [notice] = smtp_server.to(other_org_customer.email)
        assert "/account/invitation/" not in text_body(notice)
        assert "уже есть учётная запись" in text_body(notice)

    def test_an_address_of_support_staff_gets_the_same_answer(
        self, client, customer_manager, agent
    ):
        client.force_login(customer_manager)
        response = invite(client, email=agent.email, role=Role.CUSTOMER)
        assert response.status_code == 302
        agent.refresh_from_db()
        assert agent.role == Role.AGENT and agent.organization is None

    def test_an_address_already_in_the_own_organisation_gets_a_field_error(
        self, client, customer_manager, customer
    ):
        client.force_login(customer_manager)
        response = invite(client, email=customer.email)
        assert response.status_code == 200
        assert "уже пользователь вашей организации" in response.content.decode()

    def test_manager_deactivates_and_reactivates_a_colleague(
        self, client, customer_manager, customer
    ):
        client.force_login(customer_manager)
        client.post(reverse("accounts:colleague_deactivate", args=[customer.pk]))
        customer.refresh_from_db()
        assert not customer.is_active
        client.post(reverse("accounts:colleague_activate", args=[customer.pk]))
        customer.refresh_from_db()
        assert customer.is_active

    def test_manager_cannot_touch_another_organisations_user(
        self, client, customer_manager, other_org_customer
    ):
        client.force_login(customer_manager)
        url = reverse("accounts:colleague_deactivate", args=[other_org_customer.pk])
        assert client.post(url).status_code == 404
        other_org_customer.refresh_from_db()
        assert other_org_customer.is_active

    def test_unknown_user_id_is_404(self, client, customer_manager):
        client.force_login(customer_manager)
        assert (
            client.post(reverse("accounts:colleague_deactivate", args=[999999])).status_code == 404
        )

    def test_plain_customer_cannot_deactivate_colleague(self, client, customer, colleague):
        client.force_login(customer)
        assert (
            client.post(reverse("accounts:colleague_deactivate", args=[colleague.pk])).status_code
            == 403
        )
        colleague.refresh_from_db()
        assert colleague.is_active

    def test_manager_cannot_deactivate_themselves(self, client, customer_manager):
        client.force_login(customer_manager)
        client.post(reverse("accounts:colleague_deactivate", args=[customer_manager.pk]))
        customer_manager.refresh_from_db()
        assert customer_manager.is_active


@pytest.mark.django_db
class TestWhoMayReactivate:
    def deactivate_in_the_console(self, client, supervisor, user):
        client.force_login(supervisor)
        url = reverse("admin:accounts_user_change", args=[user.pk])
        response = client.post(url, {
            "email": user.email, "full_name": user.full_name, "phone": "", "language": "ru",
            "role": user.role, "organization": user.organization_id,
        })  # fmt: skip
        assert response.status_code == 302
        user.refresh_from_db()
        assert not user.is_active
        client.logout()

    def test_a_manager_cannot_reactivate_someone_support_deactivated(
        self, client, supervisor, customer_manager, customer
    ):
        self.deactivate_in_the_console(client, supervisor, customer)
        assert customer.deactivated_by == supervisor
        client.force_login(customer_manager)
        page = client.get(COLLEAGUES).content.decode()
        assert reverse("accounts:colleague_activate", args=[customer.pk]) not in page
        assert "отключён поддержкой" in page
        response = client.post(reverse("accounts:colleague_activate", args=[customer.pk]))
        assert response.status_code == 403
        assert "включить его снова может только поддержка" in response.content.decode()
        customer.refresh_from_db()
        assert not customer.is_active

    def test_support_can_reactivate_them(self, client, supervisor, customer):
        self.deactivate_in_the_console(client, supervisor, customer)
        services.set_user_active(customer, active=True, acting_user=supervisor)
        customer.refresh_from_db()
        assert customer.is_active and customer.deactivated_by is None

    def test_a_manager_reactivates_whom_they_deactivated_themselves(
        self, client, customer_manager, customer
    ):
        client.force_login(customer_manager)
        client.post(reverse("accounts:colleague_deactivate", args=[customer.pk]))
        customer.refresh_from_db()
        assert customer.deactivated_by == customer_manager
        response = client.post(reverse("accounts:colleague_activate", args=[customer.pk]))
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.is_active
