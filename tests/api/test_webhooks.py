"""Webhooks: delivered to a real HTTP server, signed, retried, never internal; SSRF refusals."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from tests.factories import TicketFactory
from tickets import lifecycle
from webhooks import sending, urlcheck
from webhooks.forms import WebhookForm
from webhooks.models import EventType, Webhook, WebhookDelivery

# Real commits: the outbox dispatches after them, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

ALL = [choice for choice, _label in EventType.choices]


class Receiver:
    """A local HTTP server recording what it gets; answers with `codes` in turn (then 200)."""

    def __init__(self):
        self.received, self.codes = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.codes.pop(0) if receiver.codes else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self):
        return [json.loads(body) for _headers, body in self.received]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on 127.0.0.1
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


def verify(secret, headers, body):
    parts = dict(item.split("=", 1) for item in headers["X-ProfTicket-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(parts["v1"], expected.hexdigest())


def test_a_customer_webhook_gets_signed_public_events_and_never_internal_ones(
    receiver, organization, customer, agent, other_org_customer
):
    hook = Webhook.objects.create(organization=organization, url=receiver.url, events=ALL)
    ticket = TicketFactory(requester=customer)
    lifecycle.take(ticket, actor=agent)
    lifecycle.add_note(ticket, actor=agent, body="SECRET internal note")
    lifecycle.reply(ticket, actor=agent, body="We replaced the card.")
    lifecycle.resolve(ticket, actor=agent, solution="Done.")
    TicketFactory(requester=other_org_customer)  # another organisation's: not sent
    lifecycle.reply(TicketFactory(requester=other_org_customer), actor=agent, body="Beta")
    types = [p["type"] for p in receiver.payloads()]
    assert types == [EventType.STATUS_CHANGED, EventType.REPLIED, EventType.RESOLVED]
    assert all(verify(hook.secret, h, b) for h, b in receiver.received)
    everything = b"".join(body for _h, body in receiver.received)
    assert b"SECRET" not in everything and b"Beta" not in everything
    assert receiver.payloads()[1]["message"]["body"] == "We replaced the card."
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_a_webhook_gets_only_the_events_it_chose(receiver, organization, customer, agent):
    Webhook.objects.create(organization=organization, url=receiver.url, events=[EventType.CLOSED])
    ticket = TicketFactory(requester=customer)
    lifecycle.take(ticket, actor=agent)
    lifecycle.close(ticket, actor=agent)
    assert [p["types"] for p in receiver.payloads()] == [
        [EventType.CLOSED, EventType.STATUS_CHANGED]
    ]


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(
    receiver, organization, customer, agent
):
    receiver.codes = [500, 503]
    Webhook.objects.create(organization=organization, url=receiver.url, events=ALL)
    ticket = TicketFactory(requester=customer)
    lifecycle.take(ticket, actor=agent)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    first_retry = delivery.next_attempt_at
    assert sending.send_due(now=first_retry - dt.timedelta(seconds=1)) == 0
    sending.send_due(now=first_retry)
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code) == (2, 503)
    assert delivery.next_attempt_at - first_retry == dt.timedelta(minutes=2)
    assert sending.send_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 3)
    # All three carried the same delivery id, so the receiver can ignore repeats.
    assert len({h["X-ProfTicket-Delivery"] for h, _b in receiver.received}) == 1


def test_a_delivery_gives_up_after_a_day_and_can_be_sent_again(
    receiver, organization, customer, agent
):
    receiver.codes = [500] * 30
    Webhook.objects.create(organization=organization, url=receiver.url, events=ALL)
    lifecycle.take(TicketFactory(requester=customer), actor=agent)
    delivery = WebhookDelivery.objects.get()
    while delivery.state == "pending":
        sending.send(delivery.pk, now=delivery.next_attempt_at)
        delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.last_attempt_at <= delivery.retry_until
    receiver.codes = []
    sending.send_again(delivery)
    delivery.refresh_from_db()
    assert delivery.state == "delivered"


def test_a_global_webhook_hears_every_organisation(receiver, customer, other_org_customer, agent):
    Webhook.objects.create(organization=None, url=receiver.url, events=[EventType.CREATED])
    lifecycle.create_ticket(requester=customer, type="incident", subject="A", description="a")
    lifecycle.create_ticket(
        requester=other_org_customer, type="incident", subject="B", description="b"
    )
    assert [p["ticket"]["subject"] for p in receiver.payloads()] == ["A", "B"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://example.com/hook", "https"),
        ("https://127.0.0.1/hook", "private"),
        ("https://localhost/hook", "private"),
        ("https://10.1.2.3/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://[::1]/hook", "private"),
        ("https://[::ffff:192.168.0.1]/hook", "private"),
        ("https://user:pw@example.com/hook", "host"),
        ("https://no-such-host.invalid/hook", "unresolved"),
    ],
)
def test_unsafe_webhook_urls_are_refused(url, why, settings):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(urlcheck.UrlRefused) as refused:
        urlcheck.resolve(url)
    assert refused.value.code == why
    form = WebhookForm({"url": url, "events": ALL})
    assert not form.is_valid()


def test_a_host_resolving_to_any_private_address_is_refused(monkeypatch, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False

    def two_addresses(host, port, **kwargs):
        return [(2, 1, 6, "", ("93.184.215.14", port)), (2, 1, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr(urlcheck.socket, "getaddrinfo", two_addresses)
    with pytest.raises(urlcheck.UrlRefused):
        urlcheck.resolve("https://rebind.example/hook")


def test_a_url_that_became_private_is_refused_at_sending(
    receiver, organization, customer, agent, settings
):
    Webhook.objects.create(organization=organization, url=receiver.url, events=ALL)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    lifecycle.take(TicketFactory(requester=customer), actor=agent)
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert delivery.error and delivery.state == "pending"
    assert delivery.response_code is None and delivery.attempts == 1


def test_manager_pages_list_register_and_resend_and_refuse_others(
    client, receiver, customer_manager, customer, other_org_manager, agent
):
    client.force_login(customer_manager)
    response = client.post("/account/webhooks/", {"url": receiver.url, "events": ALL})
    hook = Webhook.objects.get()
    assert response.status_code == 302 and hook.organization == customer_manager.organization
    lifecycle.take(TicketFactory(requester=customer), actor=agent)
    delivery = WebhookDelivery.objects.get()
    page = client.get(f"/account/webhooks/{hook.pk}/")
    assert page.status_code == 200 and delivery.payload["ticket"]["reference"] in page.text
    resend = f"/account/webhooks/{hook.pk}/deliveries/{delivery.pk}/send-again/"
    assert client.post(resend).status_code == 302
    assert len(receiver.received) == 2
    client.force_login(other_org_manager)
    assert client.get(f"/account/webhooks/{hook.pk}/").status_code == 404
    assert client.post(resend).status_code == 404
    client.force_login(customer)
    assert client.get("/account/webhooks/").status_code == 403


def test_deliveries_older_than_a_day_are_not_retried(receiver, organization, customer, agent):
    receiver.codes = [500]
    Webhook.objects.create(organization=organization, url=receiver.url, events=ALL)
    lifecycle.take(TicketFactory(requester=customer), actor=agent)
    later = timezone.now() + dt.timedelta(days=2)
    with time_machine.travel(later):
        assert sending.send_due() == 1  # the pending retry is sent once more, then given up


def test_supervisors_register_global_webhooks_and_resend_in_the_console(
    client, receiver, supervisor, agent, customer
):
    from django.urls import reverse

    client.force_login(supervisor)
    added = client.post(reverse("admin:webhooks_webhook_add"),
                        {"url": receiver.url, "events": ALL, "is_active": "on"})  # fmt: skip
    assert added.status_code == 302, added.content[:500]
    hook = Webhook.objects.get()
    assert hook.organization is None and hook.created_by == supervisor
    lifecycle.take(TicketFactory(requester=customer), actor=agent)
    delivery = WebhookDelivery.objects.get()
    changelist = reverse("admin:webhooks_webhookdelivery_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "send_selected_again", "_selected_action": [delivery.pk]})
    assert len(receiver.received) == 2
    client.force_login(agent)
    assert client.get(changelist).status_code == 403


def test_a_receiver_answering_garbage_is_a_failed_attempt_retried_later(
    settings, organization, customer, agent
):
    import socket

    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE = True
    listener = socket.create_server(("127.0.0.1", 0))

    def answer_garbage():
        connection, _address = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HELLO THERE\r\n\r\n")

    threading.Thread(target=answer_garbage, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    Webhook.objects.create(organization=organization, url=url, events=ALL)
    lifecycle.take(TicketFactory(requester=customer), actor=agent)
    listener.close()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "BadStatusLine" in delivery.error and delivery.next_attempt_at is not None
