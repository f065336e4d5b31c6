"""Contract tests driven by the OpenAPI schema: every documented operation is called, every
documented status is produced, and every answer has the documented shape."""

import copy
from collections import defaultdict

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.factories import TicketFactory
from tests.tickets.samples import image_bytes
from tickets import lifecycle

NEW = {"type": "incident", "subject": "E1 link down", "description": "Since 09:00."}


def _nullable(node):
    """OpenAPI 3.0's `nullable` as JSON Schema's type list."""
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    import json

    document = json.loads(response.content)
    validate_schema(copy.deepcopy(document))
    return document


def test_the_schema_is_valid_openapi_3_and_the_docs_page_needs_no_cdn(client, schema):
    assert schema["openapi"].startswith("3.")
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"cdn" not in page.content.lower() and b"<script>" not in page.content
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200


class Scenario:
    """The data every call needs: requests in each state, tokens of each kind."""

    def __init__(self, customer, agent, supervisor, make_token):
        self.customer, self.agent = customer, agent
        self.tokens = {
            "customer": make_token(customer),
            "customer_read": make_token(customer, scope=ApiToken.Scope.READ),
            "agent": make_token(agent),
            "supervisor": make_token(supervisor),
        }

    def client(self, who=None):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if who:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens[who]}")
        return client

    def new(self):
        return TicketFactory(requester=self.customer)

    def resolved(self):
        ticket = self.new()
        lifecycle.take(ticket, actor=self.agent)
        lifecycle.resolve(ticket, actor=self.agent, solution="Done")
        return ticket

    def closed(self):
        ticket = self.new()
        lifecycle.close(ticket, actor=self.agent)
        return ticket

    def with_file(self):
        api = self.client("customer")
        png = SimpleUploadedFile("s.png", image_bytes("PNG"), content_type="image/png")
        body = api.post("/api/v1/tickets/", {**NEW, "files": [png]}, format="multipart").json()
        return body["reference"], body["attachments"][0]["id"]


def calls(sc: Scenario):
    """(operation path, method, who, url, body, idempotency key) for every status to produce."""
    new, resolved, closed, to_confirm = sc.new(), sc.resolved(), sc.closed(), sc.resolved()
    ref_file, file_id = sc.with_file()
    r = f"/api/v1/tickets/{new.reference}/"
    res = f"/api/v1/tickets/{resolved.reference}/"
    cl = f"/api/v1/tickets/{closed.reference}/"
    missing = "/api/v1/tickets/PT-999999/"
    t = "/api/v1/tickets/{reference}/"
    yield ("/api/v1/tickets/", "get", "customer", "/api/v1/tickets/", None, None)
    yield ("/api/v1/tickets/", "get", "customer", "/api/v1/tickets/?priority=9", None, None)
    yield ("/api/v1/tickets/", "post", "customer", "/api/v1/tickets/", NEW, "c1")
    yield (
        "/api/v1/tickets/",
        "post",
        "customer",
        "/api/v1/tickets/",
        {**NEW, "subject": "x"},
        "c1",
    )
    yield ("/api/v1/tickets/", "post", "customer", "/api/v1/tickets/", {"type": "x"}, None)
    yield ("/api/v1/tickets/", "post", "customer_read", "/api/v1/tickets/", NEW, None)
    yield (
        "/api/v1/tickets/",
        "post",
        "customer",
        "/api/v1/tickets/",
        {**NEW, "follow_up": "PT-999999"},
        None,
    )
    yield (
        "/api/v1/tickets/",
        "post",
        "agent",
        "/api/v1/tickets/",
        NEW,
        None,
    )  # 409: not a customer
    yield (t, "get", "customer", r, None, None)
    yield (t, "get", "customer", missing, None, None)
    a = t + "attachments/{attachment_id}/"
    yield (a, "get", "customer", f"/api/v1/tickets/{ref_file}/attachments/{file_id}/", None, None)
    yield (a, "get", "customer", f"/api/v1/tickets/{ref_file}/attachments/0/", None, None)
    for action, body in [("reply", {"body": "Hi"}), ("dispute", {"reason": "No"})]:
        op = t + action + "/"
        target = r if action == "reply" else res
        yield (op, "post", "customer", target + action + "/", body, "k-" + action)
        yield (op, "post", "customer", target + action + "/", {}, None)
        yield (op, "post", "customer_read", target + action + "/", body, None)
        yield (op, "post", "customer", missing + action + "/", body, None)
        yield (op, "post", "customer", cl + action + "/", body, None)
    yield (t + "reply/", "post", "customer", r + "reply/", {"body": "Other"}, "k-reply")
    for action in ("confirm", "withdraw"):
        op = t + action + "/"
        target = f"/api/v1/tickets/{to_confirm.reference}/" if action == "confirm" else r
        yield (op, "post", "customer", target + action + "/", {}, None)
        yield (op, "post", "customer_read", res + action + "/", {}, None)
        yield (op, "post", "customer", missing + action + "/", {}, None)
        yield (op, "post", "customer", cl + action + "/", {}, None)
    yield ("/api/v1/queue/", "get", "agent", "/api/v1/queue/", None, None)
    yield ("/api/v1/queue/", "get", "agent", "/api/v1/queue/?priority=x", None, None)
    yield ("/api/v1/queue/", "get", "customer", "/api/v1/queue/", None, None)
    other = sc.new()
    o = f"/api/v1/tickets/{other.reference}/"
    staff = [
        ("take", {}, None),
        ("assign", {"assignee": "agent@support.test"}, {"assignee": "x"}),
        ("priority", {"priority": 2}, {"priority": 9}),
        ("request-info", {"text": "Which?"}, {}),
        ("resolve", {"text": "Done"}, {}),
        ("notes", {"text": "Internal"}, {}),
    ]
    for action, good, bad in staff:
        op = t + action + "/"
        who = "supervisor" if action == "assign" else "agent"
        yield (op, "post", who, o + action + "/", good, None)
        if bad is not None:
            yield (op, "post", who, o + action + "/", bad, None)
        yield (op, "post", "customer", o + action + "/", good, None)
        yield (op, "post", who, missing + action + "/", good, None)
        if action != "notes":
            yield (op, "post", who, cl + action + "/", good, None)


@pytest.mark.django_db
def test_every_documented_operation_and_status_is_produced_with_its_shape(
    schema, customer, agent, supervisor, make_token
):
    sc = Scenario(customer, agent, supervisor, make_token)
    components = _nullable(schema["components"])
    produced = defaultdict(set)
    for op_path, method, who, url, body, key in calls(sc):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        for client in (sc.client(who), sc.client(None)):  # and without a token: 401
            response = getattr(client, method)(url, body, format="json", **headers)
            operation = schema["paths"][op_path][method]
            documented = operation["responses"]
            code = str(response.status_code)
            assert code in documented, (method, url, who, code, response.content[:300])
            produced[(op_path, method)].add(code)
            content = documented[code].get("content", {})
            if "application/json" in content and response["Content-Type"].endswith("json"):
                jsonschema.validate(
                    response.json(),
                    {**_nullable(content["application/json"]["schema"]), "components": components},
                )
    operations = {(p, m) for p, item in schema["paths"].items() for m in item}
    assert set(produced) == operations
    for operation, codes in produced.items():
        path, method = operation
        documented = set(schema["paths"][path][method]["responses"]) - {"429"}
        assert codes == documented, operation
