"""Webhooks: URLs that hear about requests, and the log of what was sent to them."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CREATED = "ticket.created", _("Request filed")
    REPLIED = "ticket.replied", _("Public message")
    STATUS_CHANGED = "ticket.status_changed", _("Status changed")
    RESOLVED = "ticket.resolved", _("Solution proposed")
    CLOSED = "ticket.closed", _("Request closed")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Webhook(models.Model):
    """A URL that gets a signed JSON POST for the chosen events: of one organisation's
    requests (registered by its customer manager), or of all (support, no organisation)."""

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        help_text=_("Empty: every organisation's requests (support's own systems)."),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "is_active"], name="webhook_org_active")]

    def __str__(self):
        return self.url

    def get_events_display(self) -> str:
        labels = dict(EventType.choices)
        return ", ".join(str(labels.get(e, e)) for e in self.events)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One history entry sent to one webhook: at most one row (the outbox's marker), retried
    with exponential backoff until `retry_until`, and sent again on request."""

    State = DeliveryState

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    event_type = models.CharField(_("event"), max_length=40, choices=EventType)
    payload = models.JSONField(default=dict)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    retry_until = models.DateTimeField()
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "webhook"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_log"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(state=DeliveryState.PENDING),
            ),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.webhook_id}"
