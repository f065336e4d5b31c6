"""The customers' endpoints: what a token may see and do, and who is refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ApiToken
from tests.factories import CommentFactory, TicketFactory
from tests.tickets.samples import image_bytes
from tickets import lifecycle
from tickets.models import Comment, Ticket, TicketEvent

NEW = {"type": "incident", "subject": "E1 link down", "description": "Since 09:00, site 14."}


@pytest.fixture
def ticket(customer):
    return TicketFactory(requester=customer)


@pytest.fixture
def resolved(ticket, agent):
    lifecycle.take(ticket, actor=agent)
    lifecycle.resolve(ticket, actor=agent, solution="Replaced the SFP.")
    return ticket


ENDPOINTS = [
    ("get", "/api/v1/tickets/{ref}/", None),
    ("post", "/api/v1/tickets/{ref}/reply/", {"body": "Still down"}),
    ("post", "/api/v1/tickets/{ref}/confirm/", None),
    ("post", "/api/v1/tickets/{ref}/dispute/", {"reason": "No"}),
    ("post", "/api/v1/tickets/{ref}/withdraw/", {}),
]


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
def test_each_endpoint_refuses_foreign_revoked_and_expired_tokens(
    client_for, refused_tokens, resolved, method, url, body
):
    for why, (raw, status) in refused_tokens.items():
        response = getattr(client_for(raw), method)(
            url.format(ref=resolved.reference), body, format="json"
        )
        assert response.status_code == status, why
        assert response["Content-Type"] == "application/problem+json"
    assert Ticket.objects.get(pk=resolved.pk).status == Ticket.Status.RESOLVED
    assert not Comment.objects.filter(body__in=["Still down", "No"]).exists()


@pytest.mark.parametrize(("method", "url", "body"), [e for e in ENDPOINTS if e[0] == "post"])
def test_a_read_only_token_cannot_write(client_for, customer, resolved, method, url, body):
    api = client_for(customer, scope=ApiToken.Scope.READ)
    response = api.post(url.format(ref=resolved.reference), body, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert Ticket.objects.get(pk=resolved.pk).status == Ticket.Status.RESOLVED


def test_a_read_only_token_cannot_file_but_can_list(client_for, customer, ticket):
    api = client_for(customer, scope=ApiToken.Scope.READ)
    assert api.post("/api/v1/tickets/", NEW, format="json").status_code == 403
    assert api.get("/api/v1/tickets/").json()["results"][0]["reference"] == ticket.reference


def test_no_token_is_401_with_the_bearer_challenge(client):
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_list_shows_a_customer_only_their_own_and_a_manager_the_organisation(
    client_for, customer, colleague, customer_manager, other_org_customer
):
    mine, theirs = TicketFactory(requester=customer), TicketFactory(requester=colleague)
    TicketFactory(requester=other_org_customer)

    def refs(user):
        return {t["reference"] for t in client_for(user).get("/api/v1/tickets/").json()["results"]}

    assert refs(customer) == {mine.reference}
    assert refs(customer_manager) == {mine.reference, theirs.reference}


def test_list_filters_pages_by_cursor_and_keeps_its_queries_constant(
    client_for, customer, django_assert_max_num_queries, settings
):
    settings.API_PAGE_SIZE = 2
    tickets = [TicketFactory(requester=customer) for _ in range(5)]
    api = client_for(customer)
    seen, url = [], "/api/v1/tickets/?ordering=created"
    # The token (1), its last use (1, once a minute), the rate limit's counter in the database
    # cache (up to 5 with its culling), the page (1): whatever the number of requests.
    with django_assert_max_num_queries(9):
        page = api.get(url).json()
    while True:
        seen += [t["reference"] for t in page["results"]]
        if not page["next"]:
            break
        page = api.get(page["next"]).json()
    assert seen == [t.reference for t in tickets]
    assert api.get("/api/v1/tickets/?status=closed").json()["results"] == []


def test_updated_since_returns_what_changed_after_the_moment(client_for, customer, agent):
    import datetime as dt

    import time_machine

    old = TicketFactory(requester=customer)
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)):
        recent = TicketFactory(requester=customer)
        lifecycle.take(recent, actor=agent)
    api = client_for(customer)
    found = api.get("/api/v1/tickets/", {"updated_since": "2029-12-31T00:00:00Z"}).json()
    assert [t["reference"] for t in found["results"]] == [recent.reference]
    assert old.reference not in str(found)
    bad = api.get("/api/v1/tickets/", {"updated_since": "yesterday"})
    assert bad.status_code == 400
    assert "updated_since" in bad.json()["errors"]


def test_detail_has_the_public_conversation_and_never_internal_notes(
    client_for, customer, ticket, agent
):
    lifecycle.add_note(ticket, actor=agent, body="Secret: customer's router is misconfigured")
    lifecycle.reply(ticket, actor=agent, body="We are looking into it.")
    body = client_for(customer).get(f"/api/v1/tickets/{ticket.reference}/").json()
    assert [m["body"] for m in body["messages"]] == ["We are looking into it."]
    assert "Secret" not in str(body)
    assert all(e["kind"] != TicketEvent.Kind.NOTE_ADDED for e in body["history"])


def test_create_with_a_screenshot_follows_the_portal_rules(client_for, customer):
    api = client_for(customer)
    png = SimpleUploadedFile("screen.png", image_bytes("PNG"), content_type="image/png")
    response = api.post("/api/v1/tickets/", {**NEW, "files": [png]}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["name"] for a in body["attachments"]] == ["screen.png"]
    assert response["Location"] == body["url"]
    file = api.get(body["attachments"][0]["url"])
    assert file.status_code == 200
    assert b"".join(file.streaming_content) == image_bytes("PNG")
    fake = SimpleUploadedFile("screen.png", b"<html><script>x</script>", content_type="image/png")
    refused = api.post("/api/v1/tickets/", {**NEW, "files": [fake]}, format="multipart")
    assert refused.status_code == 400
    assert "files" in refused.json()["errors"]
    assert Ticket.objects.count() == 1


def test_create_refuses_missing_fields_in_russian_or_english(client_for, customer):
    english = client_for(customer).post("/api/v1/tickets/", {"type": "incident"}, format="json")
    russian = client_for(customer, language="ru").post("/api/v1/tickets/", {}, format="json")
    assert english.status_code == russian.status_code == 400
    assert english.json()["errors"]["subject"] == ["This field is required."]
    assert russian.json()["errors"]["subject"] == ["Обязательное поле."]
    assert russian.json()["title"] != english.json()["title"]


def test_lifecycle_rules_hold_through_the_api(client_for, customer, resolved, agent):
    api = client_for(customer)
    ref = resolved.reference
    assert (
        api.post(f"/api/v1/tickets/{ref}/dispute/", {"reason": ""}, format="json").status_code
        == 400
    )
    disputed = api.post(f"/api/v1/tickets/{ref}/dispute/", {"reason": "Still down"}, format="json")
    assert disputed.status_code == 200
    assert disputed.json()["status"] == Ticket.Status.IN_PROGRESS
    # Confirming is only possible on a resolved request: 409 with the lifecycle's reason.
    refused = api.post(f"/api/v1/tickets/{ref}/confirm/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "refused"
    resolved.refresh_from_db()
    lifecycle.resolve(resolved, actor=agent, solution="Again")
    assert api.post(f"/api/v1/tickets/{ref}/confirm/").json()["status"] == Ticket.Status.CLOSED
    assert (
        api.post(f"/api/v1/tickets/{ref}/reply/", {"body": "x"}, format="json").status_code == 409
    )


def test_withdraw_and_follow_up(client_for, customer, ticket):
    api = client_for(customer)
    done = api.post(
        f"/api/v1/tickets/{ticket.reference}/withdraw/", {"reason": "Fixed itself"}, format="json"
    )
    assert done.json()["status"] == Ticket.Status.CLOSED
    follow = api.post("/api/v1/tickets/", {**NEW, "follow_up": ticket.reference}, format="json")
    assert follow.status_code == 201
    created = Ticket.objects.get(pk=follow.json()["reference"].split("-")[1])
    assert list(created.related.all()) == [ticket]


def test_history_names_the_token_the_change_was_made_through(client_for, customer, resolved):
    client_for(customer).post(f"/api/v1/tickets/{resolved.reference}/confirm/")
    event = TicketEvent.objects.get(ticket=resolved, kind=TicketEvent.Kind.CONFIRMED)
    assert event.actor == customer
    assert event.data["via_token"] == "Monitoring"


def test_a_reply_answers_the_question_and_resumes_work(client_for, customer, ticket, agent):
    lifecycle.take(ticket, actor=agent)
    lifecycle.request_info(ticket, actor=agent, question="Which site?")
    response = client_for(customer).post(
        f"/api/v1/tickets/{ticket.reference}/reply/", {"body": "Site 14"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["ticket"]["status"] == Ticket.Status.IN_PROGRESS
    assert Comment.objects.filter(pk=response.json()["id"], author=customer).exists()


def test_a_customer_never_downloads_an_internal_file(client_for, customer, ticket, agent):
    from tests.factories import AttachmentFactory

    note = CommentFactory(ticket=ticket, author=agent, is_internal=True)
    internal = AttachmentFactory(ticket=ticket, comment=note, is_internal=True, uploaded_by=agent)
    url = f"/api/v1/tickets/{ticket.reference}/attachments/{internal.pk}/"
    assert client_for(customer).get(url).status_code == 404


def test_rate_limit_per_token_is_429_with_retry_after(client_for, customer, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "2/min"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        api, other = client_for(customer), client_for(customer)
        assert [api.get("/api/v1/tickets/").status_code for _ in range(3)] == [200, 200, 429]
        limited = api.get("/api/v1/tickets/")
        assert int(limited["Retry-After"]) > 0
        assert limited["Content-Type"] == "application/problem+json"
        assert other.get("/api/v1/tickets/").status_code == 200  # another token, another count
    finally:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api_token": settings.API_RATE_LIMIT},
        }
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()


def test_a_body_over_the_limit_is_a_413_problem_before_it_is_read(client_for, customer, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = client_for(customer).post(
        "/api/v1/tickets/", {**NEW, "description": "x" * 2000}, format="json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert Ticket.objects.count() == 0


def test_an_unknown_address_is_a_404_problem(client_for, customer):
    response = client_for(customer).get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_address_without_its_slash_says_so(client_for, customer):
    response = client_for(customer).get("/api/v1/tickets")
    assert response.status_code == 404
    assert "/api/v1/tickets/" in response.json()["detail"]


def test_filing_without_a_contract_in_force_is_a_403_saying_so(client_for, customer):
    from sla.models import Contract

    Contract.objects.filter(organization=customer.organization).delete()
    response = client_for(customer).post("/api/v1/tickets/", NEW, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "no_contract"
    assert Ticket.objects.count() == 0
