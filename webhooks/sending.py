"""Sending a webhook delivery: signed, claimed so that two workers never send it at once,
retried with exponential backoff (1, 2, 4 … minutes) until a day after the event.

The signature header is `X-ProfTicket-Signature: t=<unix time>,v1=<hex>`, where the hex is
HMAC-SHA256 with the webhook's secret over `<t>.<body>`; a receiver checks it and refuses
an old `t` (replays). `X-ProfTicket-Delivery` is the same on every retry of one delivery, so
a receiver can ignore a repeat: a delivery is sent at least once.
"""

import hashlib
import hmac
import http.client
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from webhooks import urlcheck
from webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)
State = WebhookDelivery.State
SIGNATURE_HEADER = "X-ProfTicket-Signature"
# A claimed delivery is not picked up again for this long (the send times out well before).
LEASE = timedelta(minutes=5)
DUE_BATCH = 100


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def backoff(attempts: int) -> timedelta:
    """After the n-th failed attempt: 1, 2, 4, 8 … minutes."""
    return timedelta(minutes=2 ** min(attempts - 1, 12))


def _claim(delivery_id: int, now) -> WebhookDelivery | None:
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=State.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)


def send(delivery_id: int, *, now=None) -> str | None:
    """One attempt, if the delivery is due and nobody else is sending it; its new state."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    webhook = delivery.webhook
    body = json.dumps(delivery.payload, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ProfTicket-Webhooks/1",
        "X-ProfTicket-Event": delivery.event_type,
        "X-ProfTicket-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(webhook.secret, body, int(now.timestamp())),
    }
    code, error = None, ""
    if not webhook.is_active:
        error = "webhook deactivated"
    else:
        try:
            code = urlcheck.post(
                webhook.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
            )
        except urlcheck.UrlRefused as refusal:
            error = str(refusal)
        except (OSError, ValueError, http.client.HTTPException) as failure:
            # network, TLS, timeouts, malformed responses: recorded, retried later
            error = f"{type(failure).__name__}: {failure}"[:500]
    _record(delivery, now=now, code=code, error=error)
    return delivery.state


def _record(delivery: WebhookDelivery, *, now, code, error) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    delivery.error = error
    if code is not None and 200 <= code < 300:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = State.DELIVERED, now, None
    else:
        if not error:
            delivery.error = f"HTTP {code}"
        retry_at = now + backoff(delivery.attempts)
        if retry_at > delivery.retry_until or not delivery.webhook.is_active:
            delivery.state, delivery.next_attempt_at = State.FAILED, None
            logger.warning("webhook delivery %s failed for good: %s", delivery.pk, delivery.error)
        else:
            delivery.next_attempt_at = retry_at
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "response_code",
            "error",
            "state",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def send_many(delivery_ids, *, now=None) -> int:
    """django-q2 task: one attempt at each of these deliveries that is due."""
    return sum(1 for pk in delivery_ids if send(pk, now=now) == State.DELIVERED)


def send_due(now=None) -> int:
    """Scheduled every minute: the retries that are due (and any whose task was lost)."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:DUE_BATCH]
    )
    return send_many(due, now=now)


def send_again(delivery: WebhookDelivery, *, now=None) -> None:
    """The "send again" button: a new day of attempts, the first one now."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=State.PENDING,
        attempts=0,
        next_attempt_at=now,
        retry_until=now + settings.WEBHOOK_RETRY_FOR,
        error="",
    )
    from django_q.tasks import async_task

    async_task("webhooks.sending.send_many", [delivery.pk], task_name="webhooks", save=False)
