"""API tokens: made by a customer manager in the portal or by staff in the console, shown
once, stored hashed, revocable, expiring, last use noted at most once a minute."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken

PAGE = reverse("accounts:api_tokens")
pytestmark = pytest.mark.django_db


def make(client, user, **overrides):
    data = {"name": "Zabbix", "user": user.pk, "scope": ApiToken.Scope.READ, "expires_on": ""}
    return client.post(PAGE, {**data, **overrides})


def test_a_manager_makes_a_token_shown_once_and_stored_hashed(client, customer_manager, colleague):
    client.force_login(customer_manager)
    response = make(client, colleague)
    assert response.status_code == 200
    raw = response.context["raw_token"]
    token = ApiToken.objects.get()
    assert (token.user, token.organization, token.created_by) == (
        colleague,
        colleague.organization,
        customer_manager,
    )
    assert raw.startswith(f"pt_{token.prefix}_") and raw not in (token.digest, token.prefix)
    assert raw in response.text
    assert raw not in client.get(PAGE).text  # never again
    assert tokens.find_token(raw) == token


@pytest.mark.parametrize("who", ["customer", "agent", "other_org_customer"])
def test_the_page_is_refused_to_everyone_but_customer_managers(client, request, who, colleague):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 403
    assert make(client, colleague).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_manager_cannot_make_a_token_for_another_organisation(
    client, customer_manager, other_org_customer
):
    client.force_login(customer_manager)
    response = make(client, other_org_customer)
    assert "user" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_an_expiry_in_the_past_is_refused(client, customer_manager):
    client.force_login(customer_manager)
    response = make(client, customer_manager, expires_on="2020-01-01")
    assert "expires_on" in response.context["form"].errors


def test_a_manager_revokes_their_organisations_tokens_only(
    client, customer_manager, customer, other_org_manager, other_org_customer
):
    mine, raw = tokens.create_token(user=customer, name="a", scope="write", created_by=None)
    theirs, _raw = tokens.create_token(
        user=other_org_customer, name="b", scope="write", created_by=None
    )
    client.force_login(customer_manager)
    assert client.post(reverse("accounts:api_token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:api_token_revoke", args=[mine.pk])).status_code == 302
    assert tokens.find_token(raw) is None
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    page = client.get(PAGE).text
    assert "b" not in [t.name for t in client.get(PAGE).context["tokens"]]
    assert "revoked" in page or "отозван" in page


def test_a_token_stops_working_with_its_user_or_its_expiry(customer, other_organization):
    token, raw = tokens.create_token(
        user=customer,
        name="x",
        scope="read",
        created_by=None,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    assert tokens.find_token(raw) == token
    assert tokens.find_token(raw, now=timezone.now() + dt.timedelta(days=2)) is None
    assert tokens.find_token(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    customer.organization = other_organization  # moved to another company
    customer.save()
    assert tokens.find_token(raw) is None
    customer.organization = token.organization
    customer.is_active = False
    customer.save()
    assert tokens.find_token(raw) is None


def test_last_use_is_written_at_most_once_a_minute(customer, django_assert_num_queries):
    token, raw = tokens.create_token(user=customer, name="x", scope="read", created_by=None)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_assert_num_queries(2):  # find, note the use
            tokens.find_token(raw)
        with django_assert_num_queries(1):
            tokens.find_token(raw)
    later = start + dt.timedelta(seconds=61)
    with time_machine.travel(later, tick=False), django_assert_num_queries(2):
        tokens.find_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


def test_the_page_lists_tokens_in_constant_queries(
    client, customer_manager, customer, django_assert_max_num_queries
):
    client.force_login(customer_manager)
    for n in range(5):
        tokens.create_token(user=customer, name=f"t{n}", scope="read", created_by=None)
    with django_assert_max_num_queries(8):
        assert client.get(PAGE).status_code == 200


def test_staff_make_a_token_in_the_console_shown_once(client, administrator, agent):
    client.force_login(administrator)
    url = reverse("admin:accounts_apitoken_add")
    response = client.post(
        url,
        {
            "name": "NOC board",
            "user": agent.pk,
            "scope": "write",
            "expires_at_0": "",
            "expires_at_1": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    [message] = [str(m) for m in response.context["messages"] if "pt_" in str(m)]
    raw = message.rsplit(" ", 1)[-1]
    assert tokens.find_token(raw) == token
    assert token.created_by == administrator and token.organization is None
    changelist = reverse("admin:accounts_apitoken_changelist")
    client.post(changelist, {"action": "revoke_tokens", "_selected_action": [token.pk]})
    assert tokens.find_token(raw) is None


def test_agents_cannot_manage_tokens_in_the_console(client, agent):
    client.force_login(agent)
    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403
