"""Presence in the workspace: who else has the request open, or typed in it lately.

Kept in Django's cache ("default"), one key per request, with expiries: these tests run with
whatever cache the settings configure (the database or Redis).
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tickets import lifecycle
from tickets.console import presence

pytestmark = [pytest.mark.django_db, pytest.mark.redis_ready]


@pytest.fixture(autouse=True)
def _empty_presence(ticket):
    cache.delete(presence._key(ticket.pk))
    yield
    cache.delete(presence._key(ticket.pk))


def beat_url(ticket):
    return reverse("admin:tickets_ticket_presence", args=[ticket.pk])


def names(people):
    return [(p["name"], p["open"], p["typing"]) for p in people]


class TestBeats:
    def test_a_colleague_with_the_page_open_is_seen(self, ticket, agent, other_agent):
        assert presence.beat(ticket.pk, agent) == []
        seen = presence.beat(ticket.pk, other_agent)
        assert names(seen) == [(agent.full_name, True, False)]
        assert names(presence.beat(ticket.pk, agent)) == [(other_agent.full_name, True, False)]

    def test_typing_is_told_for_a_few_minutes(self, ticket, agent, other_agent):
        now = timezone.now()
        presence.beat(ticket.pk, other_agent, typing=True, now=now)
        assert names(presence.beat(ticket.pk, agent, now=now)) == [
            (other_agent.full_name, True, True)
        ]
        later = now + presence.TYPED_FOR - timedelta(seconds=1)
        presence.beat(ticket.pk, other_agent, now=later)  # still there, no longer typing
        assert names(presence.beat(ticket.pk, agent, now=later)) == [
            (other_agent.full_name, True, True)
        ]
        after = now + presence.TYPED_FOR + timedelta(seconds=1)
        presence.beat(ticket.pk, other_agent, now=after)
        assert names(presence.beat(ticket.pk, agent, now=after)) == [
            (other_agent.full_name, True, False)
        ]

    def test_a_page_that_stopped_beating_disappears_by_itself(self, ticket, agent, other_agent):
        now = timezone.now()
        presence.beat(ticket.pk, other_agent, now=now)
        gone = now + presence.OPEN_FOR + timedelta(seconds=1)
        assert presence.beat(ticket.pk, agent, now=gone) == []

    def test_the_key_expires_so_that_nothing_is_left_behind(self, ticket, agent, monkeypatch):
        # Asserted on the expiry given to the cache: Redis expires keys on its own clock.
        timeouts = []
        real_set = cache.set

        def spy(key, value, timeout=None, **kwargs):
            timeouts.append(timeout)
            return real_set(key, value, timeout, **kwargs)

        monkeypatch.setattr(cache, "set", spy)
        presence.beat(ticket.pk, agent, typing=True)
        assert len(timeouts) == 1
        assert 0 < timeouts[0] <= (presence.TYPED_FOR + timedelta(seconds=10)).total_seconds()

    def test_leaving_closes_the_page_but_keeps_recent_typing(self, ticket, agent, other_agent):
        presence.beat(ticket.pk, other_agent, typing=True)
        presence.beat(ticket.pk, other_agent, leaving=True)
        assert names(presence.beat(ticket.pk, agent)) == [(other_agent.full_name, False, True)]
        presence.beat(ticket.pk, agent, leaving=True)
        presence.beat(ticket.pk, other_agent, leaving=True)
        # Left without typing: gone at once.
        assert presence.beat(ticket.pk, other_agent) == []

    def test_requests_do_not_share_presence(self, ticket, customer, agent, other_agent):
        from tests.factories import TicketFactory

        elsewhere = TicketFactory(requester=customer)
        presence.beat(ticket.pk, other_agent)
        assert presence.beat(elsewhere.pk, agent) == []
        cache.delete(presence._key(elsewhere.pk))


class TestEndpoint:
    def test_a_beat_answers_who_else_and_the_requests_state(
        self, client, ticket, agent, other_agent
    ):
        presence.beat(ticket.pk, other_agent, typing=True)
        client.force_login(agent)
        response = client.post(beat_url(ticket), {"typing": "1"})
        assert response.status_code == 200
        data = response.json()
        assert [p["name"] for p in data["others"]] == [other_agent.full_name]
        assert data["status"] == ticket.status and data["beat_seconds"] == 20
        assert data["last_event"] == 0  # a factory-made request has no history yet
        lifecycle.take(ticket, actor=other_agent)
        changed = client.post(beat_url(ticket)).json()
        assert changed["last_event"] == ticket.events.order_by("-pk").first().pk
        assert changed["status_label"] == "В работе"

    def test_the_engineer_typing_is_recorded_for_the_others(
        self, client, ticket, agent, other_agent
    ):
        client.force_login(agent)
        client.post(beat_url(ticket), {"typing": "1"})
        assert names(presence.beat(ticket.pk, other_agent)) == [(agent.full_name, True, True)]

    def test_only_post(self, client, ticket, agent):
        client.force_login(agent)
        assert client.get(beat_url(ticket)).status_code == 405

    @pytest.mark.parametrize("who", ["customer", "customer_manager"])
    def test_customers_are_refused(self, client, request, ticket, who):
        client.force_login(request.getfixturevalue(who))
        response = client.post(beat_url(ticket))
        assert response.status_code == 302 and reverse("admin:login") in response.url
        assert cache.get(presence._key(ticket.pk)) is None

    def test_an_unknown_request_is_a_404(self, client, agent):
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_presence", args=[999999])
        assert client.post(url).status_code == 404
