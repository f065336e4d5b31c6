import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services
from accounts.models import Role, User
from accounts.roles import group_name
from tests.conftest import text_body
from tests.factories import StaffUserFactory

ADD_USER = reverse("admin:accounts_user_add")


def user_form(**overrides):
    data = {
        "email": "newcomer@alpha.test",
        "full_name": "Пётр Новиков",
        "phone": "",
        "language": "ru",
        "role": Role.CUSTOMER,
        "is_active": "on",
    }
    return {**data, **overrides}


@pytest.mark.django_db
class TestRoleGroups:
    def test_each_role_has_a_group_and_users_are_in_theirs(self, customer, agent, supervisor):
        assert set(Group.objects.values_list("name", flat=True)) >= {group_name(r) for r in Role}
        assert list(agent.groups.values_list("name", flat=True)) == [group_name(Role.AGENT)]

    def test_role_change_moves_the_user_to_the_new_group(self, agent, administrator):
        services.set_role(agent, role=Role.SUPERVISOR, actor=administrator)
        agent.refresh_from_db()
        assert agent.role == Role.SUPERVISOR
        assert list(agent.groups.values_list("name", flat=True)) == [group_name(Role.SUPERVISOR)]
        assert User.objects.get(pk=agent.pk).has_perm("tickets.view_reports")

    def test_saving_a_user_leaves_the_groups_alone(self, agent):
        agent.full_name = "Григорий Петров"
        agent.save()
        assert list(agent.groups.values_list("name", flat=True)) == [group_name(Role.AGENT)]

    def test_a_new_administrator_is_a_superuser_with_their_group(self, administrator):
        services.set_role(administrator, role=Role.ADMINISTRATOR, actor=None)
        administrator.refresh_from_db()
        assert administrator.is_superuser
        assert list(administrator.groups.values_list("name", flat=True)) == [
            group_name(Role.ADMINISTRATOR)
        ]

    def test_a_supervisor_cannot_make_an_agent_supervisor(self, agent, supervisor):
        with pytest.raises(PermissionDenied):
            services.set_role(agent, role=Role.SUPERVISOR, actor=supervisor)
        agent.refresh_from_db()
        assert agent.role == Role.AGENT
        assert list(agent.groups.values_list("name", flat=True)) == [group_name(Role.AGENT)]

    def test_a_supervisor_cannot_change_an_administrators_role(self, supervisor, administrator):
        with pytest.raises(PermissionDenied):
            services.set_role(administrator, role=Role.AGENT, actor=supervisor)
        administrator.refresh_from_db()
        assert administrator.role == Role.ADMINISTRATOR and administrator.is_superuser

    def test_a_customer_manager_promotes_a_colleague_but_not_into_support(
        self, customer, colleague, customer_manager
    ):
        with pytest.raises(PermissionDenied):
            services.set_role(colleague, role=Role.CUSTOMER_MANAGER, actor=customer)
        services.set_role(colleague, role=Role.CUSTOMER_MANAGER, actor=customer_manager)
        assert User.objects.get(pk=colleague.pk).role == Role.CUSTOMER_MANAGER
        customer.organization = None
        with pytest.raises(PermissionDenied):
            services.set_role(customer, role=Role.AGENT, actor=customer_manager)
        assert User.objects.get(pk=customer.pk).role == Role.CUSTOMER

    def test_a_customer_manager_cannot_change_another_organisations_user(
        self, customer_manager, other_org_customer
    ):
        with pytest.raises(PermissionDenied):
            services.set_role(
                other_org_customer, role=Role.CUSTOMER_MANAGER, actor=customer_manager
            )
        assert User.objects.get(pk=other_org_customer.pk).role == Role.CUSTOMER

    def test_agent_may_view_but_not_change_users_or_organisations(self, agent):
        agent = User.objects.get(pk=agent.pk)
        assert agent.has_perm("accounts.view_user")
        assert not agent.has_perm("accounts.change_user")
        assert not agent.has_perm("accounts.change_organization")

    def test_supervisor_manages_organisations_and_users(self, supervisor):
        supervisor = User.objects.get(pk=supervisor.pk)
        assert supervisor.has_perm("accounts.change_organization")
        assert supervisor.has_perm("accounts.add_user")

    def test_administrator_is_superuser(self, administrator):
        assert administrator.is_superuser and administrator.is_staff

    def test_customers_are_not_staff(self, customer, customer_manager):
        assert not customer.is_staff and not customer_manager.is_staff


@pytest.mark.django_db
class TestUserAdmin:
    def test_supervisor_invites_a_customer_who_gets_an_email(
        self, client, supervisor, organization, smtp_server, django_capture_on_commit_callbacks
    ):
        client.force_login(supervisor)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ADD_USER, user_form(organization=organization.pk))
        assert response.status_code == 302, response.context["adminform"].form.errors
        user = User.objects.get(email="newcomer@alpha.test")
        assert not user.has_usable_password()
        [message] = smtp_server.to(user.email)
        assert re.search(r"/account/invitation/\S+/", text_body(message))

    def test_customer_without_organisation_gets_a_field_error(self, client, supervisor):
        client.force_login(supervisor)
        response = client.post(ADD_USER, user_form())
        assert response.status_code == 200
        assert "должен принадлежать организации" in response.content.decode()

    def test_supervisor_cannot_create_an_administrator(self, client, supervisor):
        client.force_login(supervisor)
        response = client.post(ADD_USER, user_form(role=Role.ADMINISTRATOR))
        assert response.status_code == 200
        assert not User.objects.filter(email="newcomer@alpha.test").exists()

    def test_supervisor_cannot_edit_an_administrator(self, client, supervisor, administrator):
        client.force_login(supervisor)
        url = reverse("admin:accounts_user_change", args=[administrator.pk])
        client.post(url, user_form(email=administrator.email, role=Role.CUSTOMER))
        administrator.refresh_from_db()
        assert administrator.role == Role.ADMINISTRATOR

    def test_a_role_changed_in_the_admin_moves_the_user_to_the_new_group(
        self, client, supervisor, customer
    ):
        client.force_login(supervisor)
        url = reverse("admin:accounts_user_change", args=[customer.pk])
        form = user_form(
            email=customer.email,
            full_name="Анна Петрова",
            role=Role.CUSTOMER_MANAGER,
            organization=customer.organization_id,
        )
        assert client.post(url, form).status_code == 302
        customer.refresh_from_db()
        assert (customer.role, customer.full_name) == (Role.CUSTOMER_MANAGER, "Анна Петрова")
        groups = list(customer.groups.values_list("name", flat=True))
        assert groups == [group_name(Role.CUSTOMER_MANAGER)]

    def test_agent_cannot_add_users_or_raise_own_role(self, client, agent):
        client.force_login(agent)
        assert client.post(ADD_USER, user_form(role=Role.AGENT)).status_code == 403
        url = reverse("admin:accounts_user_change", args=[agent.pk])
        client.post(url, user_form(email=agent.email, role=Role.ADMINISTRATOR))
        agent.refresh_from_db()
        assert agent.role == Role.AGENT

    def test_customer_cannot_open_the_admin(self, client, customer):
        client.force_login(customer)
        response = client.get(reverse("admin:accounts_user_changelist"))
        assert response.status_code == 302
        assert "/admin/login/" in response.url

    def test_administrator_can_create_a_supervisor(self, client, administrator, smtp_server):
        client.force_login(administrator)
        response = client.post(
            ADD_USER, user_form(email="lead2@support.test", role=Role.SUPERVISOR)
        )
        assert response.status_code == 302
        assert User.objects.get(email="lead2@support.test").role == Role.SUPERVISOR

    def test_user_changelist_query_count_is_constant(
        self, client, supervisor, django_assert_max_num_queries
    ):
        StaffUserFactory.create_batch(30)
        client.force_login(supervisor)
        with django_assert_max_num_queries(12):
            assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


@pytest.mark.django_db
def test_organisation_changelist_and_page_open_for_supervisor(client, supervisor, customer):
    client.force_login(supervisor)
    assert client.get(reverse("admin:accounts_organization_changelist")).status_code == 200
    url = reverse("admin:accounts_organization_change", args=[customer.organization.pk])
    assert customer.email in client.get(url).content.decode()
