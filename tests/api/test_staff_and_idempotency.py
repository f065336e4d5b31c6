"""Support's endpoints, and Idempotency-Key on create and reply."""

import threading

import pytest
from django.db import connection

from tests.factories import TicketFactory
from tickets import lifecycle
from tickets.models import Comment, Ticket

NEW = {"type": "incident", "subject": "E1 link down", "description": "Since 09:00, site 14."}


@pytest.fixture
def ticket(customer):
    return TicketFactory(requester=customer)


STAFF_ACTIONS = [
    ("take", {}),
    ("assign", {"assignee": "agent@support.test"}),
    ("priority", {"priority": 1}),
    ("request-info", {"text": "Which site?"}),
    ("resolve", {"text": "Replaced the SFP."}),
    ("notes", {"text": "Internal: the customer's router."}),
]


@pytest.mark.parametrize(("action", "body"), STAFF_ACTIONS)
def test_staff_actions_are_refused_to_customers_and_read_only_tokens(
    client_for, customer_manager, agent, ticket, action, body
):
    from accounts.models import ApiToken

    url = f"/api/v1/tickets/{ticket.reference}/{action}/"
    assert client_for(customer_manager).post(url, body, format="json").status_code == 403
    read_only = client_for(agent, scope=ApiToken.Scope.READ)
    assert read_only.post(url, body, format="json").status_code == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id) == (Ticket.Status.NEW, None)
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_an_engineer_works_a_request_through_the_api(client_for, agent, customer, ticket):
    api = client_for(agent)
    ref = ticket.reference
    assert api.post(f"/api/v1/tickets/{ref}/take/").json()["assignee"] == agent.full_name
    assert (
        api.post(f"/api/v1/tickets/{ref}/priority/", {"priority": 1}, format="json").json()[
            "priority"
        ]
        == 1
    )
    note = api.post(
        f"/api/v1/tickets/{ref}/notes/", {"text": "Router misconfigured"}, format="json"
    )
    assert note.json()["messages"][0]["internal"] is True  # staff see their notes
    asked = api.post(f"/api/v1/tickets/{ref}/request-info/", {"text": "Which site?"}, format="json")
    assert asked.json()["status"] == Ticket.Status.WAITING
    resolved = api.post(f"/api/v1/tickets/{ref}/resolve/", {"text": "Fixed"}, format="json")
    assert resolved.json()["status"] == Ticket.Status.RESOLVED
    # Supervisors assign others; an agent cannot (the lifecycle's rule, 409).
    other = api.post(f"/api/v1/tickets/{ref}/assign/", {"assignee": "nobody@x.test"}, format="json")
    assert other.status_code == 400
    customer_view = client_for(customer).get(f"/api/v1/tickets/{ref}/").json()
    assert "Router misconfigured" not in str(customer_view)


def test_the_queue_is_the_open_requests_most_urgent_first(client_for, agent, customer):
    low = TicketFactory(requester=customer, priority=Ticket.Priority.LOW)
    critical = TicketFactory(requester=customer, priority=Ticket.Priority.CRITICAL)
    closed = TicketFactory(requester=customer)
    lifecycle.close(closed, actor=agent)
    page = client_for(agent).get("/api/v1/queue/").json()
    assert [t["reference"] for t in page["results"]] == [critical.reference, low.reference]
    assert client_for(customer).get("/api/v1/queue/").status_code == 403


def test_a_retried_create_files_one_request(client_for, customer):
    api = client_for(customer)
    first = api.post("/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="alarm-42")
    again = api.post("/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="alarm-42")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    changed = api.post(
        "/api/v1/tickets/",
        {**NEW, "subject": "Other"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="alarm-42",
    )
    assert changed.status_code == 422
    assert api.post("/api/v1/tickets/", NEW, format="json").status_code == 201  # no key: files
    assert Ticket.objects.count() == 2


def test_a_refused_call_keeps_no_key_so_the_corrected_retry_works(client_for, customer):
    api = client_for(customer)
    bad = api.post(
        "/api/v1/tickets/", {"type": "incident"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert bad.status_code == 400
    good = api.post("/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert good.status_code == 201


def test_the_same_key_from_another_token_is_another_call(client_for, customer, customer_manager):
    client_for(customer).post("/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k")
    client_for(customer_manager).post(
        "/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert Ticket.objects.count() == 2


def test_a_retried_reply_is_written_once(client_for, customer, ticket):
    api = client_for(customer)
    url = f"/api/v1/tickets/{ticket.reference}/reply/"
    answers = [
        api.post(url, {"body": "Site 14"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
        for _ in range(3)
    ]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert Comment.objects.filter(ticket=ticket, body="Site 14").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_with_one_key_file_once(make_token, customer):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: nothing concurrent to test")
    from rest_framework.test import APIClient

    raw = make_token(customer)
    codes = []

    def call():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        codes.append(
            client.post(
                "/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="same"
            ).status_code
        )
        connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [201] * 4
    assert Ticket.objects.count() == 1


def test_keys_are_forgotten_after_a_day_and_the_key_may_then_file_again(client_for, customer):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from accounts.models import IdempotencyRecord
    from tickets.api import idempotency

    api = client_for(customer)
    api.post("/api/v1/tickets/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="daily")
    later = timezone.now() + dt.timedelta(hours=25)
    with time_machine.travel(later):
        assert api.post("/api/v1/tickets/", NEW, format="json",
                        HTTP_IDEMPOTENCY_KEY="daily").status_code == 201  # fmt: skip
        assert Ticket.objects.count() == 2
        IdempotencyRecord.objects.update(created_at=later - dt.timedelta(hours=30))
        assert idempotency.forget_old() == 1
    assert not IdempotencyRecord.objects.exists()


def test_api_answers_are_never_cached_and_need_no_session(client_for, customer, ticket):
    response = client_for(customer).get(f"/api/v1/tickets/{ticket.reference}/")
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
