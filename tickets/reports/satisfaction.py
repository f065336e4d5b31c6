"""Satisfaction: how customers rated the requests closed for them (tickets.satisfaction).

Counted over the ratings given in the period (Rating.created_at), whatever the request's age:

- ratings: how many; average: the mean score (1–5);
- satisfied, %: the share of ratings of 4 or 5 (the usual CSAT figure);
- low: ratings of LOW_SCORE (2) or less, the ones the supervisors were told about;
- by engineer (the request's engineer: a closed request keeps it), organisation, type and
  month the rating was given; the low ratings themselves with their comments.

Organisation, type and priority filter the requests behind every figure. One read of the
period's ratings for every grouping (tickets.reports.rollup), then the names.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from tickets import charts
from tickets.models import Rating, Ticket
from tickets.reports.common import LIST_LIMIT, Report, ticket_ref, type_label
from tickets.reports.filters import Filters, as_local_date, bucket_starts
from tickets.reports.rollup import rollup
from tickets.reports.tables import Column, Kind, Table, percent
from tickets.satisfaction import LOW_SCORE, SCORES

GROUPINGS = {
    "overall": [],
    "engineer": ["engineer"],
    "organization": ["organization"],
    "type": ["type"],
    "month": ["month"],
}
SUMS = ["ratings", "points", "satisfied", "low", *(f"score_{s}" for s in SCORES)]


@dataclass(frozen=True)
class Satisfaction:
    """The figures of a group of ratings (definitions in the module docstring)."""

    ratings: int = 0
    points: int = 0
    satisfied: int = 0
    low: int = 0

    @property
    def average(self) -> float | None:
        return round(self.points / self.ratings, 2) if self.ratings else None

    @property
    def satisfied_share(self) -> float | None:
        return percent(self.satisfied, self.ratings)

    def cells(self) -> tuple:
        return (self.ratings, self.average, self.satisfied_share, self.low)


def ratings(filters: Filters):
    """The ratings given in the period, of the requests the facets select."""
    return Rating.objects.filter(filters.period("created_at"), filters.facets("ticket__"))


def grouped(filters: Filters) -> dict[str, list[dict]]:
    """{grouping: rows with its key and the SUMS}: one statement (see tickets.reports.rollup)."""
    finest = (
        ratings(filters)
        .annotate(
            engineer=F("ticket__assignee"),
            organization=F("ticket__organization"),
            type=F("ticket__type"),
            month=TruncMonth("created_at"),
        )
        .values("engineer", "organization", "type", "month")
        .annotate(
            ratings=Count("pk"),
            points=Sum("score"),
            satisfied=Count("pk", filter=Q(score__gte=4)),
            low=Count("pk", filter=Q(score__lte=LOW_SCORE)),
            **{f"score_{s}": Count("pk", filter=Q(score=s)) for s in SCORES},
        )
    )
    return rollup(finest, groupings=GROUPINGS, sums=SUMS)


def _figures(row: dict) -> Satisfaction:
    return Satisfaction(
        ratings=row["ratings"], points=row["points"], satisfied=row["satisfied"], low=row["low"]
    )


def _columns(first: str) -> list[Column]:
    return [
        Column(first),
        Column(_("Ratings"), Kind.COUNT),
        Column(_("Average rating"), Kind.SCORE),
        Column(_("Satisfied (4–5), %"), Kind.PERCENT),
        Column(_("Low ratings (1–2)"), Kind.COUNT),
    ]


def _named_rows(rows: list[dict], key: str, names: dict, nobody: str) -> list[tuple]:
    named = [(names.get(row[key], nobody) if row[key] else nobody, _figures(row)) for row in rows]
    named.sort(key=lambda pair: (-pair[1].ratings, pair[0]))
    return [(name, *figures.cells()) for name, figures in named]


def tables(filters: Filters) -> tuple[list[Table], dict]:
    """Overall, by engineer, organisation, type and month; and the grouped rows (for charts)."""
    rows = grouped(filters)
    engineers = dict(
        User.objects.filter(pk__in=[r["engineer"] for r in rows["engineer"] if r["engineer"]])
        .values_list("pk", "full_name")
    )  # fmt: skip
    organisations = dict(
        Organization.objects.filter(pk__in=[r["organization"] for r in rows["organization"]])
        .values_list("pk", "name")
    )  # fmt: skip
    total = _figures(rows["overall"][0])
    by_type = {row["type"]: _figures(row) for row in rows["type"]}
    by_month = {as_local_date(row["month"]): _figures(row) for row in rows["month"]}
    months = bucket_starts(filters.start, filters.end, "month")
    result = [
        Table(
            name="summary",
            title=_("Satisfaction"),
            columns=_columns(_("Ratings")),
            rows=[(_("All ratings of the period"), *total.cells())],
        ),
        Table(
            name="by_engineer",
            title=_("By engineer"),
            columns=_columns(_("Engineer")),
            rows=_named_rows(rows["engineer"], "engineer", engineers, _("not assigned")),
        ),
        Table(
            name="by_organisation",
            title=_("By organisation"),
            columns=_columns(_("Organisation")),
            rows=_named_rows(rows["organization"], "organization", organisations, "—"),
        ),
        Table(
            name="by_type",
            title=_("By type"),
            columns=_columns(_("Type")),
            rows=[
                (type_label(value), *by_type[value].cells())
                for value in Ticket.Type.values
                if value in by_type
            ],
        ),
        Table(
            name="by_month",
            title=_("By month"),
            columns=[Column(_("Month"), Kind.MONTH), *_columns("")[1:]],
            rows=[(month, *by_month.get(month, Satisfaction()).cells()) for month in months],
        ),
    ]
    return result, {"overall": rows["overall"][0], "by_month": by_month, "months": months}


def low_ratings_table(filters: Filters) -> Table:
    """The low ratings of the period, newest first, with their comments (LIST_LIMIT rows)."""
    low = ratings(filters).filter(score__lte=LOW_SCORE)
    rows = list(
        low.order_by("-created_at", "-pk").values_list(
            "ticket_id",
            "created_at",
            "score",
            "ticket__organization__name",
            "ticket__assignee__full_name",
            "comment",
        )[:LIST_LIMIT]
    )
    return Table(
        name="low_ratings",
        title=_("Low ratings"),
        columns=[
            Column(_("Request"), Kind.TICKET),
            Column(_("Rated"), Kind.DATETIME),
            Column(_("Rating"), Kind.COUNT),
            Column(_("Organisation")),
            Column(_("Engineer"), empty=_("not assigned")),
            Column(_("Comment")),
        ],
        rows=[(ticket_ref(pk), *rest) for pk, *rest in rows],
        total=low.count() if len(rows) == LIST_LIMIT else None,
    )


def _month_label(month: date) -> str:
    return formats.date_format(month, "SHORT_YEAR_MONTH_FORMAT")


def build_charts(overall: dict, by_month: dict, months: list[date]) -> dict[str, charts.Chart]:
    """How the ratings spread over the scores; the average and the count by month."""
    return {
        "scores": charts.bar_chart(
            title=_("Ratings by score"),
            description=_("How many ratings of each score were given in the period."),
            categories=[str(s) for s in SCORES],
            series=[charts.Series(_("Ratings"), [overall[f"score_{s}"] for s in SCORES])],
        ),
        "average_by_month": charts.line_chart(
            title=_("Average rating by month"),
            description=_("The mean score (1–5) of the ratings given each month."),
            categories=[_month_label(m) for m in months],
            series=[
                charts.Series(
                    _("Average rating"),
                    [by_month[m].average if m in by_month else None for m in months],
                )
            ],
            maximum=5,
            fmt=lambda value: formats.number_format(value, decimal_pos=2),
        ),
        "ratings_by_month": charts.bar_chart(
            title=_("Ratings by month"),
            description=_("How many ratings were given each month, and how many were low."),
            categories=[_month_label(m) for m in months],
            series=[
                charts.Series(
                    _("Ratings"), [by_month.get(m, Satisfaction()).ratings for m in months]
                ),
                charts.Series(
                    _("Low ratings (1–2)"), [by_month.get(m, Satisfaction()).low for m in months]
                ),
            ],
        ),
    }


def build(filters: Filters, *, now=None) -> Report:
    """Ratings overall, by engineer, organisation, type and month; the low ones listed."""
    report = Report()
    result, grouped_rows = tables(filters)
    report.charts = build_charts(**grouped_rows)
    report.add(*result)
    report.add(low_ratings_table(filters))
    return report
