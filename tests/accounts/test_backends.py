"""accounts.backends: the signed-in user comes with their permissions in one query."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts import backends
from accounts.backends import EmailBackend
from accounts.roles import group_name
from tests.factories import TicketFactory
from tickets.models import Ticket


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.mark.django_db
class TestPermissionsReadWithTheUser:
    def test_an_agents_role_permissions_cost_no_further_query(
        self, agent, django_assert_num_queries
    ):
        EmailBackend().get_user(agent.pk)  # the permissions' names, once per process
        with django_assert_num_queries(1):
            user = EmailBackend().get_user(agent.pk)
            assert user.has_perm("tickets.change_ticket")
            assert not user.has_perm("tickets.assign_others")
            assert "tickets.view_ticket" in user.get_all_permissions()

    def test_the_same_permissions_as_djangos_own_reading(self, agent, supervisor):
        agent.user_permissions.add(permission("tickets.assign_others"))
        for person in (agent, supervisor):
            fresh = type(person).objects.get(pk=person.pk)  # no caches: ModelBackend reads
            user = EmailBackend().get_user(person.pk)
            assert user.get_user_permissions() == fresh.get_user_permissions()
            assert user.get_group_permissions() == fresh.get_group_permissions()
            assert user.get_all_permissions() == fresh.get_all_permissions()

    def test_an_administrator_still_has_every_permission(self, administrator):
        user = EmailBackend().get_user(administrator.pk)
        assert user.has_perm("tickets.assign_others") and user.has_perm("auth.delete_group")

    def test_a_customer_costs_one_query_even_the_first_time(
        self, customer, django_assert_num_queries
    ):
        backends._PERMISSION_NAMES.clear()
        with django_assert_num_queries(1):
            assert EmailBackend().get_user(customer.pk).get_all_permissions() == set()

    def test_a_customer_has_none(self, customer):
        user = EmailBackend().get_user(customer.pk)
        assert user.get_all_permissions() == set()
        assert not user.has_perm("tickets.view_ticket")

    def test_a_deactivated_user_is_signed_out(self, agent):
        agent.is_active = False
        agent.save()
        assert EmailBackend().get_user(agent.pk) is None

    def test_a_user_of_a_deactivated_organisation_is_signed_out(self, customer):
        customer.organization.is_active = False
        customer.organization.save()
        assert EmailBackend().get_user(customer.pk) is None

    def test_a_user_who_no_longer_exists_is_signed_out(self, customer):
        user_id = customer.pk
        customer.delete()
        assert EmailBackend().get_user(user_id) is None


@pytest.mark.django_db
class TestTheUserAsTheOrmReadsIt:
    """The query composed once per process builds the same instances the ORM builds."""

    def test_every_field_of_the_user_and_of_their_organisation(
        self, customer, django_assert_num_queries
    ):
        EmailBackend().get_user(customer.pk)  # the permissions' names, once per process
        fresh = type(customer).objects.select_related("organization").get(pk=customer.pk)
        with django_assert_num_queries(1):
            user = EmailBackend().get_user(customer.pk)
            organization = user.organization  # read with the user, no query of its own
        for field in type(customer)._meta.concrete_fields:
            assert getattr(user, field.attname) == getattr(fresh, field.attname), field.name
        for field in type(organization)._meta.concrete_fields:
            assert getattr(organization, field.attname) == getattr(
                fresh.organization, field.attname
            ), field.name
        assert not user._state.adding and user._state.db == fresh._state.db
        assert user.date_joined.tzinfo is not None

    def test_an_engineer_has_no_organisation_and_it_costs_no_query(
        self, agent, django_assert_num_queries
    ):
        EmailBackend().get_user(agent.pk)  # the permissions' names, once per process
        with django_assert_num_queries(1):
            user = EmailBackend().get_user(agent.pk)
            assert user.organization is None

    def test_a_saved_user_stays_the_same_user(self, customer):
        user = EmailBackend().get_user(customer.pk)
        user.full_name = "Renamed"
        user.save(update_fields=["full_name"])
        customer.refresh_from_db()
        assert customer.full_name == "Renamed" and customer.email == user.email


@pytest.mark.django_db
class TestPermissionNamesKnownPerProcess:
    def test_a_permission_created_since_is_named_at_once(self, agent):
        EmailBackend().get_user(agent.pk)
        known_before = {alias: dict(names) for alias, names in backends._PERMISSION_NAMES.items()}
        content_type = ContentType.objects.get_for_model(Ticket)
        created = Permission.objects.create(
            codename="brand_new", name="Brand new", content_type=content_type
        )
        backends._PERMISSION_NAMES.update(known_before)  # another process saw no signal
        agent.user_permissions.add(created)
        assert EmailBackend().get_user(agent.pk).has_perm("tickets.brand_new")

    def test_a_permission_granted_by_a_role_group_is_named(self, agent):
        group = Group.objects.get(name=group_name(agent.role))
        group.permissions.add(permission("tickets.assign_others"))
        assert EmailBackend().get_user(agent.pk).has_perm("tickets.assign_others")


@pytest.mark.django_db
class TestAPermissionChangeCountsAtOnce:
    def test_a_permission_taken_from_the_role_hides_the_action_on_the_next_page(
        self, client, agent
    ):
        ticket = TicketFactory()
        url = reverse("admin:tickets_ticket_workspace", args=[ticket.pk])
        client.force_login(agent)
        assert 'id="compose-form"' in client.get(url).content.decode()
        Group.objects.get(name=group_name(agent.role)).permissions.remove(
            permission("tickets.change_ticket")
        )
        html = client.get(url).content.decode()
        assert 'id="compose-form"' not in html and 'id="prop-priority"' not in html
        assert ticket.reference in html  # still allowed to look

    def test_a_permission_given_to_the_user_shows_the_action_on_the_next_page(self, client, agent):
        ticket = TicketFactory()
        url = reverse("admin:tickets_ticket_workspace", args=[ticket.pk])
        client.force_login(agent)
        assert '<select name="value" id="prop-assignee">' not in client.get(url).content.decode()
        agent.user_permissions.add(permission("tickets.assign_others"))
        assert '<select name="value" id="prop-assignee">' in client.get(url).content.decode()

    def test_a_customer_is_still_refused_the_console(self, client, customer):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        response = client.get(reverse("admin:tickets_ticket_workspace", args=[ticket.pk]))
        assert response.status_code == 302 and "login" in response["Location"]
