"""Requests (tickets), their conversation, attachments and history.

Ticket.status is changed only by tickets.lifecycle, which also writes the TicketEvent.
"""

import uuid
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proftiket.choice_labels import ChoiceLabels

REFERENCE_PREFIX = "PT-"


class TicketStatus(models.TextChoices):
    """Where a request stands; changed only by tickets.lifecycle."""

    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The groups of statuses, each defined here and nowhere else. Ordered tuples: the partial
# indexes below and their migrations compare the lists, so the order must stay as it is.
# Work still to do: the console's queue, the reports' backlog; the customer may still reply.
OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)
# Support is working on it, so the SLA clock runs (it stops while waiting or resolved).
CLOCK_RUNNING_STATUSES = (TicketStatus.NEW, TicketStatus.IN_PROGRESS)
# A solution was given: proposed (resolved) or final (closed).
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
# Anything that can still be withdrawn or closed.
NOT_CLOSED_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
    TicketStatus.RESOLVED,
)


class TicketQuerySet(models.QuerySet):
    def by_reference(self, reference: str):
        """Filter by the customer-facing ID (`PT-1042`, `pt-1042` or `1042`); none if malformed."""
        number = parse_reference(reference)
        return self.filter(pk=number) if number else self.none()


def parse_reference(reference: str) -> int | None:
    """The ticket number in a reference like `PT-1042`, or None."""
    text = (reference or "").strip().upper()
    if text.startswith(REFERENCE_PREFIX):
        text = text[len(REFERENCE_PREFIX) :]
    # isascii: "²".isdigit() is true, but int("²") is not a number.
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 12 else None


class Ticket(ChoiceLabels, models.Model):
    """One request = one problem of one customer organisation."""

    class Type(models.TextChoices):
        INCIDENT = "incident", _("Incident")
        PROBLEM = "problem", _("Problem")
        SERVICE_REQUEST = "service_request", _("Service request")
        CHANGE_REQUEST = "change_request", _("Change request")

    TYPE_EXPLANATIONS = {
        Type.INCIDENT: _("A failure that affects one user of your company."),
        Type.PROBLEM: _("A failure that stops your company's work or the service."),
        Type.SERVICE_REQUEST: _("A request for information or a consultation."),
        Type.CHANGE_REQUEST: _("A request to improve or change the software."),
    }

    class Priority(models.IntegerChoices):
        # Integers so that "most urgent first" is a plain index-backed ORDER BY.
        CRITICAL = 1, _("Critical")
        HIGH = 2, _("High")
        NORMAL = 3, _("Normal")
        LOW = 4, _("Low")

    Status = TicketStatus

    class CloseReason(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed by the customer")
        AUTO = "auto", _("Closed automatically")
        WITHDRAWN = "withdrawn", _("Withdrawn by the customer")
        SUPPORT = "support", _("Closed by support")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    type = models.CharField(_("type"), max_length=20, choices=Type, default=Type.INCIDENT)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    technical_details = models.TextField(
        _("technical details"),
        blank=True,
        help_text=_(
            "Environment, versions, equipment or subscriber identifiers, error codes, logs."
        ),
    )
    blocks_work = models.BooleanField(
        _("blocks work"),
        default=False,
        help_text=_("Tick if the failure stops your company's work or the service."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    executors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("further executors"),
        blank=True,
        related_name="executed_tickets",
    )
    related = models.ManyToManyField("self", verbose_name=_("related requests"), blank=True)
    # A major incident (tickets.lifecycle.incidents): a parent with children attached; its
    # public title is what their customers see of it (never its subject or organisation).
    is_major_incident = models.BooleanField(_("major incident"), default=False)
    incident_title = models.CharField(_("incident title for customers"), max_length=200, blank=True)
    major_incident = models.ForeignKey(
        "self",
        verbose_name=_("part of the major incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_index=False,  # a partial index below, built concurrently
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.CharField(
        _("how it was closed"), max_length=20, choices=CloseReason, blank=True
    )
    # The SLA: the contract and plan it was filed under (a later plan change does not rewrite
    # history), the due times, and the business time the clock has been stopped for.
    contract = models.ForeignKey(
        "sla.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    plan = models.ForeignKey(
        "sla.SupportPlan",
        verbose_name=_("support plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_paused_since = models.DateTimeField(_("SLA clock stopped since"), null=True, blank=True)
    sla_paused_for = models.DurationField(
        _("SLA clock stopped for"),
        default=timedelta(0),
        help_text=_("Business time spent waiting for the customer or resolved."),
    )
    # Business time (on the plan's calendar, the stopped clock excluded) it took to answer and
    # to resolve: written when it happens, so that reports aggregate them in the database.
    first_response_time = models.DurationField(
        _("time to first response"), null=True, blank=True, editable=False
    )
    resolution_time = models.DurationField(
        _("time to resolution"), null=True, blank=True, editable=False
    )
    # Precomputed moments, so that the scheduled jobs find their work with an indexed
    # comparison instead of computing business time for every request every minute.
    first_response_risk_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_risk_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalation_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    auto_close_at = models.DateTimeField(_("closes automatically at"), null=True, blank=True)
    auto_close_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by every change through tickets.lifecycle: a form that was loaded at an older
    # version is refused instead of silently overwriting what someone else did meanwhile.
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at"]
        permissions = [
            ("assign_others", _("Can assign requests to other engineers")),
            ("view_reports", _("Can view reports")),
            ("run_major_incidents", _("Can mark and unmark major incidents")),
        ]
        # The partial indexes name their statuses by group; as lists, because that is how their
        # migrations store them (a tuple would compare unequal and rebuild the index).
        indexes = [
            # Portal lists: a customer's own requests, a manager's organisation.
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_created"),
            models.Index(fields=["organization", "-created_at"], name="ticket_org_created"),
            models.Index(fields=["organization", "status"], name="ticket_org_status"),
            # The API's "what changed since" (updated_since, ordering=updated).
            models.Index(fields=["organization", "last_activity_at"], name="ticket_org_activity"),
            models.Index(fields=["requester", "last_activity_at"], name="ticket_req_activity"),
            # The console queue: open requests, most urgent first.
            models.Index(
                # ASC is NULLS LAST on PostgreSQL: the console's "no due time last" order.
                fields=["priority", "resolution_due_at", "created_at"],
                name="ticket_open_queue",
                condition=Q(status__in=list(OPEN_STATUSES)),
            ),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            # A major incident's children; the open major incidents (console, notices).
            models.Index(
                fields=["major_incident", "status"],
                name="ticket_incident_children",
                condition=Q(major_incident__isnull=False),
            ),
            models.Index(
                fields=["-created_at"],
                name="ticket_major_incidents",
                condition=Q(is_major_incident=True),
            ),
            # The console's home: open work per engineer, counted from the index alone.
            models.Index(
                fields=["assignee"],
                include=[
                    "status",
                    "status_changed_at",
                    "first_response_at",
                    "first_response_due_at",
                    "first_response_risk_at",
                    "resolution_due_at",
                    "resolution_risk_at",
                ],
                condition=Q(status__in=list(OPEN_STATUSES)),
                name="ticket_open_workload",
            ),
            models.Index(fields=["status", "last_activity_at"], name="ticket_status_activity"),
            # Reports: covering indexes (PostgreSQL reads the figures from the index alone).
            models.Index(
                fields=["created_at"],
                include=[
                    "id",
                    "organization",
                    "contract",
                    "priority",
                    "type",
                    "status",
                    "first_response_due_at",
                    "resolution_due_at",
                    "first_response_at",
                    "resolved_at",
                    "first_response_time",
                    "resolution_time",
                ],
                name="ticket_report_filed",
            ),
            models.Index(
                fields=["resolved_at"],
                include=[
                    "id",
                    "organization",
                    "priority",
                    "type",
                    "assignee",
                    "first_response_time",
                    "resolution_time",
                ],
                condition=Q(resolved_at__isnull=False),
                name="ticket_report_resolved",
            ),
            # Reports: the requests not closed, which are never in the daily tables
            # (tickets.reports.daily), with every column the pages read of them: an index-only
            # scan of a few per cent of the requests instead of a heap read of each.
            models.Index(
                fields=["created_at"],
                include=[
                    "id",
                    "organization",
                    "contract",
                    "priority",
                    "type",
                    "status",
                    "assignee",
                    "first_response_due_at",
                    "resolution_due_at",
                    "first_response_at",
                    "resolved_at",
                    "first_response_time",
                    "resolution_time",
                ],
                condition=~Q(status=TicketStatus.CLOSED),
                name="ticket_report_open",
            ),
            models.Index(
                fields=["closed_at"],
                include=["id", "organization", "priority", "type", "close_reason"],
                condition=Q(closed_at__isnull=False),
                name="ticket_report_closed",
            ),
            # "Waiting for the customer for longer than N days" in the console.
            models.Index(fields=["status", "status_changed_at"], name="ticket_status_since"),
            # SLA monitoring: running clocks whose targets are due.
            models.Index(
                fields=["resolution_due_at"],
                name="ticket_running_resolution_due",
                condition=Q(status__in=list(CLOCK_RUNNING_STATUSES)),
            ),
            models.Index(
                fields=["resolution_risk_at"],
                name="ticket_resolution_risk",
                condition=Q(
                    status__in=list(CLOCK_RUNNING_STATUSES), resolution_warned_at__isnull=True
                ),
            ),
            models.Index(
                fields=["first_response_risk_at"],
                name="ticket_first_response_risk",
                condition=Q(
                    status__in=list(CLOCK_RUNNING_STATUSES),
                    first_response_at__isnull=True,
                    first_response_warned_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["escalation_at"],
                name="ticket_unassigned_critical",
                condition=Q(
                    status__in=list(CLOCK_RUNNING_STATUSES),
                    priority=1,
                    assignee__isnull=True,
                    escalated_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["auto_close_at"],
                name="ticket_resolved_auto_close",
                condition=Q(status=TicketStatus.RESOLVED),
            ),
            models.Index(
                fields=["auto_close_reminder_at"],
                name="ticket_resolved_reminder",
                condition=Q(status=TicketStatus.RESOLVED, auto_close_reminder_at__isnull=False),
            ),
            # Automatic assignment: a plan's new requests nobody has yet (a handful).
            models.Index(
                fields=["plan", "created_at"],
                name="ticket_new_unassigned",
                condition=Q(status=TicketStatus.NEW, assignee__isnull=True),
            ),
            models.Index(
                fields=["first_response_due_at"],
                name="ticket_awaiting_first_response",
                condition=Q(
                    first_response_at__isnull=True, status__in=list(CLOCK_RUNNING_STATUSES)
                ),
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self):
        return reverse("tickets:detail", kwargs={"reference": self.reference})

    @property
    def reference(self) -> str:
        """The ID the customer sees everywhere: PT-1042."""
        return f"{REFERENCE_PREFIX}{self.pk}"

    @classmethod
    def initial_priority(cls, ticket_type: str, *, blocks_work: bool) -> int:
        """A Problem, or anything that blocks the customer's work, starts high."""
        return cls.lowest_priority(ticket_type, blocks_work=blocks_work) or cls.Priority.NORMAL

    @classmethod
    def lowest_priority(cls, ticket_type: str, *, blocks_work: bool) -> int | None:
        """The priority rule: a Problem, or a request that blocks the customer's work, is at
        least High (None: any priority). The lifecycle keeps it on every change of the type,
        the flag or the priority."""
        if blocks_work or ticket_type == cls.Type.PROBLEM:
            return cls.Priority.HIGH
        return None


class Comment(models.Model):
    """A message in the conversation: a public reply, or an internal note for staff only."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT
    )
    body = models.TextField(_("text"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_created")]

    def __str__(self):
        return f"{self.ticket.reference} #{self.pk}"


def attachment_path(instance, filename):
    # A random folder per file: names never collide and are not guessable from the URL space.
    suffix = PurePosixPath(filename).suffix.lower()[:12]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file of a request or of one of its messages; internal if its message is."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT
    )
    is_internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="attachment_ticket"),
            # A customer's files of the last 24 hours (the daily allowance, checked per upload).
            models.Index(fields=["uploaded_by", "created_at"], name="attachment_uploader_created"),
        ]

    def __str__(self):
        return self.original_name

    def save(self, *args, **kwargs):
        if self._state.adding and self.file and not self.file._committed:
            # Whatever code attaches an uploaded file: an image is shown inline only if it is
            # within the pixel limit and whole (tickets.attachments.served_content_type).
            from tickets.attachments import served_content_type

            self.content_type = served_content_type(self.file.file, self.content_type)
        super().save(*args, **kwargs)


class TicketEvent(ChoiceLabels, models.Model):
    """One line of a request's history: who did what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        ASSIGNED = "assigned", _("Engineer assigned")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        TYPE_CHANGED = "type_changed", _("Type changed")
        BLOCKS_WORK_CHANGED = "blocks_work_changed", _("“Blocks work” changed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        REPLIED = "replied", _("Reply")
        CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
        NOTE_ADDED = "note_added", _("Internal note")
        INFO_REQUESTED = "info_requested", _("Information requested")
        RESOLVED = "resolved", _("Solution proposed")
        CONFIRMED = "confirmed", _("Solution confirmed")
        DISPUTED = "disputed", _("Solution disputed")
        REOPENED = "reopened", _("Reopened by support")
        WITHDRAWN = "withdrawn", _("Withdrawn by the customer")
        CLOSED = "closed", _("Closed by support")
        AUTO_CLOSED = "auto_closed", _("Closed automatically")
        LINKED = "linked", _("Linked")
        SPLIT = "split", _("Split into a new request")
        EXECUTORS_CHANGED = "executors_changed", _("Executors changed")
        AUTO_CLOSE_REMINDER = "auto_close_reminder", _("Reminder before automatic closing")
        SLA_AT_RISK = "sla_at_risk", _("SLA target at risk")
        SLA_BREACHED = "sla_breached", _("SLA target missed")
        ESCALATED = "escalated", _("Critical request not taken: supervisors alerted")
        INCIDENT_MARKED = "incident_marked", _("Marked as a major incident")
        INCIDENT_UNMARKED = "incident_unmarked", _("No longer a major incident")
        INCIDENT_ATTACHED = "incident_attached", _("Attached to a major incident")
        INCIDENT_DETACHED = "incident_detached", _("Detached from the major incident")
        INCIDENT_UPDATE = "incident_update", _("Update on the major incident")
        RATED = "rated", _("Rated by the customer")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty for the system (scheduled jobs)."),
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind)
    from_status = models.CharField(_("from"), max_length=20, choices=Ticket.Status, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Ticket.Status, blank=True)
    note = models.TextField(_("details"), blank=True)
    is_public = models.BooleanField(_("visible to the customer"), default=True)
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    # "Engineer assigned" entries: who got the request (empty when it was released), a column
    # of its own so that the engineers' report groups by an indexed integer rather than by
    # data->>'to' read from every entry's JSON. Written by the lifecycle with the entry.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,  # the partial covering index below, built concurrently
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    # The outbox (tickets.outbox): empty while the entry still has to be dispatched to the
    # channels (e-mail, ...); set once every channel is done with it, at once for an entry
    # that no channel wants, or when the sweeper gives up on it after OUTBOX_GIVE_UP_AFTER.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created"),
            models.Index(fields=["kind", "created_at"], name="event_kind_created"),
            # The engineers' report: requests taken per engineer in a period, index-only.
            models.Index(
                fields=["created_at"],
                include=["assigned_to", "ticket"],
                condition=Q(assigned_to__isnull=False),  # set on assignment entries only
                name="event_assigned_to",
            ),
            # The outbox sweeper: entries not dispatched yet, oldest first (a handful at a time).
            models.Index(
                fields=["created_at"],
                name="event_outbox_pending",
                condition=Q(notified_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.get_kind_display()}"


# Models in modules of their own (this one stays readable); imported here so that Django
# registers them and `from tickets.models import …` finds them.
from tickets.canned_reply import CannedReply  # noqa: E402, F401
from tickets.delivery import Delivery  # noqa: E402, F401
from tickets.rating import Rating  # noqa: E402, F401
from tickets.report_day import (  # noqa: E402, F401
    ReportDay,
    ReportDayState,
    ReportEngineerDay,
    ReportEngineerMonth,
    ReportOrganizationDay,
    ReportRepeatAssignment,
    ReportTimeMonth,
    ReportTimeOrganizationMonth,
    ReportTimeOrganizationOctave,
)
from tickets.status_notice import StatusNotice  # noqa: E402, F401
