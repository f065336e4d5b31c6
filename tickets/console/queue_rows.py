"""The queue's rows as HTML, formatted in one pass per page.

The admin's generic rendering (`items_for_result`) looks every cell up by name, renders the
selection checkbox through the form-widget templates and formats each date through the
template engine's date filter: about 4 ms a row at 1M requests, most of the queue page. Here
everything that is the same for every row (labels, URLs, date formats, the time zone, "now")
is worked out once per page, and each row is one string. The columns' HTML is defined here
only: `QueueAdmin`'s column methods (used for the headers, sorting and any other caller)
call the same functions.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tickets import sla_tracking
from tickets.console.sla_display import sla_state, sla_text
from tickets.models import REFERENCE_PREFIX, Ticket


def escape(value) -> str:
    """Django's escape() without its lazy-string wrapper: the same text, ~600 calls a page."""
    return html.escape(str(value))


# The columns a queue row needs, and nothing else (the description and technical details
# are the longest columns of a request).
ROW_FIELDS = (
    "pk",
    "subject",
    "type",
    "priority",
    "status",
    "is_major_incident",
    "major_incident_id",
    "last_activity_at",
    "first_response_at",
    "first_response_due_at",
    "resolution_due_at",
    "sla_paused_since",
    "organization__name",
    "assignee__full_name",
    "assignee__email",
    "plan",  # the plan itself, its calendar and targets: from memory (local_copies)
)
ROW_RELATIONS = ("organization", "assignee")

# Django's date format characters that strftime can do alike (zero-padded numbers only);
# any other character in a format sends it through Django's own formatter.
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}
_FORMAT_CHARS = re.compile(r"[a-zA-Z]")


def _strftime_pattern(django_format: str) -> str | None:
    """Django's date format as a strftime pattern, or None if it needs Django's formatter."""
    pattern = []
    for char in django_format:
        if char in _STRFTIME:
            pattern.append(_STRFTIME[char])
        elif _FORMAT_CHARS.match(char) or char == "\\":
            return None
        else:
            pattern.append(char.replace("%", "%%"))
    return "".join(pattern)


class DateFormatter:
    """One of the site's date formats in the current language, applied many times over."""

    def __init__(self, format_name: str):
        self.format_name = format_name
        self.pattern = _strftime_pattern(formats.get_format(format_name))
        self.zone = timezone.get_current_timezone()

    def __call__(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        if self.pattern is None:
            return formats.date_format(local, self.format_name)
        return local.strftime(self.pattern)


@dataclass
class QueueCells:
    """Everything a page of the queue formats its cells with, worked out once per page."""

    now: datetime
    compact: DateFormatter
    short: DateFormatter
    workspace_prefix: str
    workspace_suffix: str
    empty: str
    labels: dict  # (field, value) -> escaped label: the model's get_FOO_display() rebuilds its
    # dictionary of choices on every call
    targets: dict = field(default_factory=dict)  # (plan, type, priority) -> SLA targets
    select_label: str = "{}"  # the checkbox's label, "{}" for the request

    @classmethod
    def for_page(cls, *, empty: str = "-") -> "QueueCells":
        marker = 999_999_999_999  # never a request number on the page: split off, not kept
        url = reverse("admin:tickets_ticket_workspace", args=[marker])
        prefix, suffix = url.split(str(marker))
        return cls(
            now=timezone.now(),
            compact=DateFormatter("COMPACT_DATETIME_FORMAT"),
            short=DateFormatter("SHORT_DATETIME_FORMAT"),
            workspace_prefix=prefix,
            workspace_suffix=suffix,
            empty=escape(empty),
            select_label=_("Select this object for an action - {}"),
            labels={
                (name, value): escape(str(label))
                for name, choices in (
                    ("type", Ticket.Type.choices),
                    ("priority", Ticket.Priority.choices),
                    ("status", Ticket.Status.choices),
                )
                for value, label in choices
            },
        )

    def label(self, name: str, value) -> str:
        return self.labels.get((name, value)) or escape(value)

    # --- One cell each -------------------------------------------------------------------

    def reference(self, ticket: Ticket) -> str:
        url = f"{self.workspace_prefix}{ticket.pk}{self.workspace_suffix}"
        return f'<a href="{url}" class="console-ref">{REFERENCE_PREFIX}{ticket.pk}</a>'

    def subject(self, ticket: Ticket) -> str:
        return (
            f'<span class="console-subject">{escape(ticket.subject)}{self.incident(ticket)}</span>'
            f'<span class="console-sub">{escape(ticket.organization.name)} · '
            f"{self.label('type', ticket.type)}</span>"
        )

    @staticmethod
    def incident(ticket: Ticket) -> str:
        """A major incident, or a request attached to one (from the row itself: no query)."""
        if ticket.is_major_incident:
            return f' <span class="console-incident">{escape(_("major incident"))}</span>'
        if ticket.major_incident_id:
            return (
                f' <span class="console-incident-child">→ {REFERENCE_PREFIX}'
                f"{ticket.major_incident_id}</span>"
            )
        return ""

    def priority(self, ticket: Ticket) -> str:
        return (
            f'<span class="console-prio console-prio-{ticket.priority}">'
            f"{self.label('priority', ticket.priority)}</span>"
        )

    def status(self, ticket: Ticket) -> str:
        return self.label("status", ticket.status)

    def assignee(self, ticket: Ticket) -> str:
        return escape(str(ticket.assignee)) if ticket.assignee_id else self.empty

    def sla(self, ticket: Ticket) -> str:
        key = (ticket.plan_id, ticket.type, ticket.priority)
        if key not in self.targets:
            self.targets[key] = sla_tracking.targets_of(ticket)
        clock = sla_tracking.current_for_targets(ticket, self.targets[key], now=self.now)
        if clock is None:
            return "—"
        due = escape(self.short(clock.due_at)) if clock.due_at else ""
        return (
            f'<span class="console-sla console-sla-{sla_state(clock)}" title="{due}">'
            f"{escape(sla_text(clock))}</span>"
        )

    def last_activity(self, ticket: Ticket) -> str:
        # Compact, so that the queue fits a laptop screen next to the filters.
        return self.compact(ticket.last_activity_at)

    # --- A whole row -----------------------------------------------------------------------

    def row(self, ticket: Ticket, *, checkbox: bool) -> SafeString:
        """The cells of one row (the `<tr>` is the template's), as `QueueAdmin.list_display`."""
        select = ""
        if checkbox:
            label = escape(self.select_label.format(ticket))
            select = (
                f'<td class="action-checkbox"><input type="checkbox" '
                f'name="{ACTION_CHECKBOX_NAME}" value="{ticket.pk}" class="action-select" '
                f'aria-label="{label}"></td>'
            )
        return mark_safe(  # noqa: S308  (every value above is escaped or our own markup)
            f"{select}"
            f'<td class="field-reference">{self.reference(ticket)}</td>'
            f'<td class="field-subject_line">{self.subject(ticket)}</td>'
            f'<td class="field-priority_badge">{self.priority(ticket)}</td>'
            f'<td class="field-status">{self.status(ticket)}</td>'
            f'<td class="field-assignee nowrap">{self.assignee(ticket)}</td>'
            f'<td class="field-sla_left">{self.sla(ticket)}</td>'
            f'<td class="field-last_activity">{self.last_activity(ticket)}</td>'
        )


# The columns `row()` writes, in order; the admin prepends "action_checkbox" when there are
# bulk actions for the user.
COLUMNS = (
    "reference",
    "subject_line",
    "priority_badge",
    "status",
    "assignee",
    "sla_left",
    "last_activity",
)


def rows(changelist) -> list[list[SafeString]] | None:
    """The page's rows for the admin's change_list_results.html (one item each: all its cells),
    or None when the columns are not the queue's (the admin's own rendering then)."""
    columns = tuple(changelist.list_display)
    checkbox = columns[:1] == ("action_checkbox",)
    if columns[checkbox:] != COLUMNS or changelist.formset is not None:
        return None
    cells = QueueCells.for_page(empty=changelist.model_admin.get_empty_value_display())
    return [[cells.row(ticket, checkbox=checkbox)] for ticket in changelist.result_list]
