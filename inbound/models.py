"""Mailboxes polled for replies and new requests, and every message taken from them.

The logic lives in tickets.mail_intake; this app only keeps its state, apart from the
requests' own tables.
"""

import hashlib
import os
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Retry an unreachable mailbox after 1, 2, 4 … minutes, at most an hour apart.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


class Mailbox(models.Model):
    """An IMAP mailbox whose new messages become replies and requests."""

    class Security(models.TextChoices):
        SSL = "ssl", _("TLS (IMAPS, usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        NONE = "none", _("None (local test servers only)")

    class AfterProcessing(models.TextChoices):
        MOVE = "move", _("Move to a folder")
        FLAG = "flag", _("Mark as read")

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("polled"), default=True)
    host = models.CharField(_("server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("encryption"), max_length=10, choices=Security, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        help_text=_(
            "Name of the environment variable holding the password (for example "
            "MAILBOX_SUPPORT_PASSWORD): the password is never stored in the database."
        ),
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    after_processing = models.CharField(
        _("processed messages"),
        max_length=10,
        choices=AfterProcessing,
        default=AfterProcessing.MOVE,
    )
    processed_folder = models.CharField(
        _("folder for processed messages"), max_length=255, default="Processed", blank=True
    )
    # State, written by the poller (tickets.mail_intake.polling).
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(
        _("last successful poll"), null=True, blank=True, editable=False
    )
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    next_poll_at = models.DateTimeField(_("next attempt"), null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_failing(self) -> bool:
        return self.failures > 0

    def password(self) -> str:
        """The password from the environment ("" if the variable is not set)."""
        return os.environ.get(self.password_env, "")

    @staticmethod
    def backoff(failures: int) -> timedelta:
        """How long to wait after `failures` failed polls in a row."""
        return min(BACKOFF_FIRST * 2 ** min(max(0, failures - 1), 10), BACKOFF_MAX)


def failing_mailboxes():
    """Active mailboxes whose last poll failed (the console and /healthz show them)."""
    return Mailbox.objects.filter(is_active=True, failures__gt=0)


class InboundMessage(models.Model):
    """One message taken from a mailbox, and what it did: at most one row per Message-ID."""

    class Outcome(models.TextChoices):
        PROCESSING = "processing", _("Being processed")
        REPLIED = "replied", _("Added to a request")
        CREATED = "created", _("New request")
        FOLLOW_UP = "follow_up", _("Follow-up of a closed request")
        REFUSED = "refused", _("Refused: the sender may not act on the request")
        UNKNOWN_SENDER = "unknown_sender", _("Unknown sender: pointed to the portal")
        AUTO_REPLY = "auto_reply", _("Automatic message: ignored")
        BOUNCE = "bounce", _("Delivery failure report: ignored")
        OWN = "own", _("Our own message: ignored")
        RATE_LIMITED = "rate_limited", _("Too many messages from the sender: ignored")
        FAILED = "failed", _("Could not be processed")

    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    # SHA-256 of the normalised Message-ID (they can be long): the same message is taken
    # once, even when two pollers read it at the same moment.
    message_key = models.CharField(max_length=64, unique=True, editable=False)
    message_id = models.TextField(_("Message-ID"))
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome, default=Outcome.PROCESSING
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.ForeignKey(
        "tickets.Comment",
        verbose_name=_("message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("details"), blank=True)

    class Meta:
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["-received_at"], name="inbound_received"),
            models.Index(fields=["sender", "-received_at"], name="inbound_sender"),
            models.Index(
                fields=["outcome", "-received_at"],
                name="inbound_problems",
                condition=Q(outcome__in=["failed", "refused"]),
            ),
        ]

    def __str__(self):
        return f"{self.sender}: {self.subject}"

    @staticmethod
    def key_for(message_id: str) -> str:
        return hashlib.sha256(message_id.strip().strip("<>").lower().encode()).hexdigest()
