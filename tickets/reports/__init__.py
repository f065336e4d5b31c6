"""Report queries returning plain data (tables of values, chart geometry); views only render.

Every figure is computed by the database with aggregates — conditional counts, grouped
counts, percentiles (see .stats; in Python on the quick-start SQLite) and time buckets
truncated in the site's time zone — in a fixed number of queries per page, whatever the
number of requests. Each page module states exactly which requests it counts:

- .overview: open backlog, created vs resolved, running late and at risk now;
- .sla: first-response and resolution compliance, the breach list;
- .times: median and 90th percentile of the business times;
- .ageing: open requests by age;
- .engineers: per engineer; .closure: how requests end, disputes and reopens;
- .satisfaction: the customers' ratings by engineer, organisation, type and month;
- .customer: a customer manager's own SLA report.
"""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from tickets.reports import (
    ageing,
    closure,
    customer,
    engineers,
    overview,
    satisfaction,
    sla,
    times,
)
from tickets.reports.common import Audience, Report
from tickets.reports.filters import Filters, default_period
from tickets.reports.tables import Table, csv_lines


@dataclass(frozen=True)
class Page:
    """A report page: its title, how it is built, which of its tables stream for CSV."""

    title: str
    build: Callable[..., Report]
    exports: Callable[..., dict] | None = None  # tables streamed whole for CSV


PAGES: dict[str, Page] = {
    "overview": Page(_("Overview"), overview.build, overview.exports),
    "sla": Page(_("SLA compliance"), sla.build, sla.exports),
    "times": Page(_("Times"), times.build),
    "ageing": Page(_("Backlog ageing"), ageing.build),
    "engineers": Page(_("Engineers"), engineers.build),
    "closure": Page(_("Closure"), closure.build),
    "satisfaction": Page(_("Satisfaction"), satisfaction.build),
}
CUSTOMER_PAGE = Page(_("SLA report"), customer.build, customer.exports)


@contextmanager
def reading():
    """The queries of one page, in one transaction tuned for reading much and computing
    little: on PostgreSQL, JIT compilation is off (on these sub-second aggregates it costs
    more than it saves: over a second for one year of requests) and sorts get enough memory
    to stay out of temporary files. The server's settings stay as they are for the rest.
    Nor are its queries prepared: a kept connection prepares a query it has run five times
    (settings.py), and after five more PostgreSQL may plan it once for any period; that
    generic plan of the times page's statement took 3.3 s instead of 0.9 s at 1M requests
    (the tenth page shown on a connection onwards). Planning these takes milliseconds."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
                [WORK_MEM],
            )
        raw = connection.connection
        threshold = getattr(raw, "prepare_threshold", None)
        if threshold is not None:
            raw.prepare_threshold = None  # psycopg: prepare nothing, count nothing
        try:
            yield
        finally:
            if threshold is not None:
                raw.prepare_threshold = threshold


WORK_MEM = "32MB"


def build(page: Page, filters: Filters, *, now) -> Report:
    """Every table and chart of a page."""
    with reading():
        return page.build(filters, now=now)


def export(page: Page, table: str, filters: Filters, *, now) -> Table | None:
    """One table of a page for download: long lists streamed from the database in chunks
    (as the response is sent), the others computed as on the page. None if the page has no
    such table."""
    streamed = page.exports(filters, now=now) if page.exports else {}
    if table in streamed:
        return streamed[table]()
    with reading():
        return page.build(filters, now=now).tables.get(table)


__all__ = [
    "CUSTOMER_PAGE",
    "PAGES",
    "Audience",
    "Filters",
    "Page",
    "Report",
    "Table",
    "build",
    "csv_lines",
    "default_period",
    "export",
]
