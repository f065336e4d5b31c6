"""No input to any API endpoint is a server error: every refusal is a problem document."""

import json

import pytest

from tests.factories import TicketFactory

BODIES = [
    b"[1, 2]",
    b'"text"',
    b"null",
    b"{not json",
    json.dumps({"subject": "a\u0000b", "description": "x", "type": "incident"}).encode(),
    json.dumps(
        {
            "subject": ["a"],
            "description": {"x": 1},
            "type": ["incident"],
            "follow_up": {"x": 1},
            "blocks_work": "maybe",
        }
    ).encode(),
    json.dumps(
        {
            "body": 5,
            "reason": None,
            "text": "\ud800",
            "priority": 10**30,
            "assignee": ["x@y.z"],
            "files": ["x"],
        }
    ).encode(),
    "тема".encode("cp1251"),
]


@pytest.mark.parametrize("body", BODIES)
def test_no_body_makes_a_server_error(client_for, agent, customer, body):
    ticket = TicketFactory(requester=customer)
    paths = ["/api/v1/tickets/"] + [
        f"/api/v1/tickets/{ticket.reference}/{action}/"
        for action in (
            "reply",
            "confirm",
            "dispute",
            "withdraw",
            "take",
            "assign",
            "priority",
            "request-info",
            "resolve",
            "notes",
        )
    ]
    for who in (customer, agent):
        api = client_for(who)
        for path in paths:
            response = api.post(
                path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
            )
            assert response.status_code < 500, (path, body, response.content[:300])
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/problem+json", path


@pytest.mark.parametrize(
    "query",
    [
        "cursor=garbage",
        "cursor=cD0yMDI2",
        "priority=x",
        "status=nope",
        "ordering=pk",
        "updated_since=2026-13-45T99:00:00Z",
        "updated_since=" + "9" * 400,
        "q=" + "%" * 300,
        "assignee=" + "x" * 500,
    ],
)
def test_no_query_makes_a_server_error(client_for, agent, customer, query):
    for who, path in ((customer, "/api/v1/tickets/"), (agent, "/api/v1/queue/")):
        response = client_for(who).get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, query, response.content[:300])


def test_refusals_before_any_view_are_problems_too(client_for, customer):
    api = client_for(customer)
    nul = api.get("/api/v1/tickets/?q=a%00b")
    assert nul.status_code == 400 and nul["Content-Type"] == "application/problem+json"
    put = api.put("/api/v1/tickets/", {}, format="json")
    assert put.status_code == 405 and put["Allow"] == "GET, HEAD, POST"
    assert put["Content-Type"] == "application/problem+json"
    broken = api.post("/api/v1/tickets/", b"--x\r\nContent-Disposition: form-data; name=\"s\"\r\n",
                      content_type="multipart/form-data; boundary=x")  # fmt: skip
    assert broken.status_code == 400 and broken["Content-Type"] == "application/problem+json"
