"""The customer's SLA report: compliance, times and missed targets of their own organisation.

The same figures as the staff pages (tickets.reports.sla and .times), for one organisation,
which the caller forces from the user: never from the query string.
"""

from datetime import date

from django.db.models import BooleanField, ExpressionWrapper, Q

from sla.models import Contract
from tickets.reports import sla, times
from tickets.reports.common import LIST_LIMIT, Audience, Report
from tickets.reports.filters import Filters


def contract_for_report(organization_id: int, today: date) -> Contract | None:
    """The contract in force today, or else the latest one that has started (one query)."""
    return (
        Contract.objects.filter(organization_id=organization_id, starts_on__lte=today)
        .order_by(
            # In force today first, then the most recent start.
            ExpressionWrapper(
                Q(ends_on__isnull=True) | Q(ends_on__gte=today), output_field=BooleanField()
            ).desc(),
            "-starts_on",
        )
        .first()
    )


def build(filters: Filters, *, now) -> Report:
    """Compliance by priority, type and month, times by priority and type, the breaches."""
    if filters.organization_id is None:
        raise ValueError("The customer's report is always for one organisation.")
    report = Report()
    tables, total = sla.compliance_tables(filters, now=now, audience=Audience.CUSTOMER)
    report.add(*tables)
    report.charts["by_month"] = sla.month_chart(report.tables["by_month"])
    report.add(*times.times_tables(filters, by_organisation=False))
    report.add(
        sla.breach_table(
            filters, audience=Audience.CUSTOMER, limit=LIST_LIMIT, total=total.breach_rows
        )
    )
    return report


def exports(filters: Filters, *, now) -> dict:
    """The customer's breach list, streamed whole for CSV."""
    return sla.exports(filters, now=now, audience=Audience.CUSTOMER)
