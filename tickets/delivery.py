"""Delivery: what the outbox sent for a history entry (a model of tickets.models)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    """What the outbox sent for a history entry: one row per channel and target, at most.

    The row is written in the transaction that sends (tickets.outbox): a retried or
    concurrent dispatch finds it and sends nothing twice. A target refused for good (an
    address the mail server rejects) gets a row with the error instead of a time.
    """

    event = models.ForeignKey(
        "tickets.TicketEvent",
        verbose_name=_("history entry"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # the unique constraint's index starts with the entry
    )
    channel = models.CharField(_("channel"), max_length=30)
    target = models.CharField(_("recipient"), max_length=254)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "target"], name="delivery_once_per_target"
            )
        ]

    def __str__(self):
        return f"{self.event_id} {self.channel} {self.target}"
