"""What the report pages share: ticket links, labels, the Report shape."""

from dataclasses import dataclass, field
from enum import StrEnum

from django.urls import reverse
from django.utils.translation import get_language

from sla.models import Breach
from tickets.charts import Chart
from tickets.models import REFERENCE_PREFIX, Ticket
from tickets.reports.tables import Table, TicketRef

LIST_LIMIT = 50  # rows of a long list shown on a page; the CSV has them all
EXPORT_CHUNK = 2000


class Audience(StrEnum):
    """Who reads the report: support staff link requests to the console, customers to the
    portal."""

    STAFF = "staff"
    CUSTOMER = "customer"


@dataclass
class Report:
    """One page of figures: its tables (in page order), its charts, and headline numbers."""

    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)
    figures: dict[str, object] = field(default_factory=dict)

    def add(self, *tables: Table) -> None:
        for table in tables:
            self.tables[table.name] = table


def console_link(pk: int, reference: str) -> str:
    """The request's page in the support console."""
    return reverse("admin:tickets_ticket_change", args=[pk])


def portal_link(pk: int, reference: str) -> str:
    """The request's page in the customer portal."""
    return reverse("tickets:detail", kwargs={"reference": reference})


def ticket_ref(pk: int, audience: Audience = Audience.STAFF) -> TicketRef:
    """The request's ID with a link: to the support console, or to the customer portal."""
    link = portal_link if audience == Audience.CUSTOMER else console_link
    return TicketRef(pk=pk, reference=f"{REFERENCE_PREFIX}{pk}", link=link)


def label_of(choices, value) -> str:
    """The display label of a choice value ("" for none)."""
    if value in (None, ""):
        return ""
    labels = _labels(choices)
    return labels.get(value, str(value))


def _labels(choices) -> dict:
    """{value: label} in the active language (export rows look labels up by the thousand)."""
    language = get_language()
    cached = _LABELS.get((choices, language))
    if cached is None:
        cached = _LABELS[(choices, language)] = {c.value: str(c.label) for c in choices}
    return cached


_LABELS: dict = {}


class Labels:
    """The labels of the request's choices in the active language, taken once for a table
    (an export looks them up for every row)."""

    def __init__(self):
        self.priority = _labels(Ticket.Priority)
        self.type = _labels(Ticket.Type)
        self.status = _labels(Ticket.Status)
        self.target = _labels(Breach.Target)


def priority_label(value) -> str:
    """The priority's label in the active language."""
    return label_of(Ticket.Priority, value)


def type_label(value) -> str:
    """The type's label in the active language."""
    return label_of(Ticket.Type, value)


def status_label(value) -> str:
    """The status's label in the active language."""
    return label_of(Ticket.Status, value)
