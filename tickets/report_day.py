"""The reports' daily totals of settled requests (filled by tickets.reports.daily)."""

from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class ReportCounts(models.Model):
    """The counts both daily tables hold, per local day.

    A row mixes two cohorts on purpose, as the reports count them: `filed` and the SLA
    counts are of the requests filed that day; `resolved` of those whose (final) solution
    was proposed that day. A closed request never changes again (a new question is a new
    request), so what a row counts stays true. One row a key: a run of the job adds its
    counts to the row already there (an upsert on the table's unique key), so that the
    table does not grow with the number of runs."""

    day = models.DateField(_("day"))
    filed = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    first_met = models.PositiveIntegerField(default=0)
    first_missed = models.PositiveIntegerField(default=0)
    resolution_met = models.PositiveIntegerField(default=0)
    resolution_missed = models.PositiveIntegerField(default=0)
    breach_rows = models.PositiveIntegerField(default=0)  # Breach rows of the filed (both targets)

    class Meta:
        abstract = True


class ReportDay(ReportCounts):
    """Counts of settled requests (closed before `ReportDayState.settled_before`) by local
    day, priority and type: ~16 rows a day whatever the number of requests, so that two
    years are ~12,000 rows (the overall, priority, type and month figures)."""

    priority = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("report day")
        verbose_name_plural = _("report days")
        indexes = [models.Index(fields=["day"], name="reportday_day")]
        constraints = [
            models.UniqueConstraint(fields=["day", "priority", "type"], name="reportday_key")
        ]

    def __str__(self):
        return f"{self.day} {self.priority} {self.type}"


class ReportOrganizationDay(ReportCounts):
    """The same counts by local day, organisation and contract (without priority and type:
    at most one row per organisation and contract a day), for the by-organisation table."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    contract = models.ForeignKey(
        "sla.Contract", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("report organisation day")
        verbose_name_plural = _("report organisation days")
        indexes = [models.Index(fields=["day"], name="reportorgday_day")]
        # The contract may be NULL, and NULLs never conflict in a unique index (SQLite has
        # no NULLS NOT DISTINCT): the key is unique over the contract or 0, no real id.
        constraints = [
            models.UniqueConstraint(
                "day", "organization", Coalesce("contract", 0), name="reportorgday_key"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.organization_id} {self.contract_id}"


class ReportDayState(models.Model):
    """One row: requests closed before `settled_before` are in both daily tables, the rest
    are not."""

    settled_before = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("report days state")

    def __str__(self):
        return f"settled before {self.settled_before}"


class Span(models.IntegerChoices):
    """How many months a row of a table with spans counts, from its `month` on."""

    MONTH = 1, _("month")
    QUARTER = 3, _("quarter")
    YEAR = 12, _("year")


class ReportBuckets(models.Model):
    """Log-scale bucket counts of one business time (tickets.reports.sketch) per local month:
    how many settled requests had a time in the bucket, and the smallest and largest of them.
    Summed over months they give the percentiles within the sketch's tolerance. One row a
    key: a run of the job adds its counts to the row already there (PostgreSQL's upsert)."""

    class Field(models.IntegerChoices):
        FIRST_RESPONSE = 0, _("first response")
        RESOLUTION = 1, _("resolution")

    month = models.DateField(_("month"))
    field = models.PositiveSmallIntegerField(choices=Field.choices)
    bucket = models.SmallIntegerField()
    n = models.PositiveIntegerField()
    smallest = models.FloatField()
    largest = models.FloatField()

    class Meta:
        abstract = True


class ReportTimeMonth(ReportBuckets):
    """The times of settled requests by priority, type and the month, quarter and year they
    were filed in (one row per `span`, as in ReportTimeOrganizationMonth)."""

    span = models.PositiveSmallIntegerField(choices=Span.choices, default=Span.MONTH)
    priority = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("report time month")
        verbose_name_plural = _("report time months")
        constraints = [
            models.UniqueConstraint(
                fields=["span", "month", "priority", "type", "field", "bucket"],
                name="reporttimespan_key",
            )
        ]

    def __str__(self):
        return f"{self.span} {self.month} {self.priority} {self.type} {self.field} {self.bucket}"


class ReportTimeOrganizationMonth(ReportBuckets):
    """The times of settled requests by organisation and the month, quarter and year they
    were filed in: each request is counted in three rows, one per `span` (in months) starting
    on `month` (the first day of the span). Two years of months are ~880k rows at 200
    organisations, too many to sum on every page; the same two years as whole years and
    quarters plus the months at the ends are a third of that (tickets.reports.time_buckets
    .spans_covering)."""

    span = models.PositiveSmallIntegerField(choices=Span.choices, default=Span.MONTH)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("report time organisation month")
        verbose_name_plural = _("report time organisation months")
        # The span first: a page reads a few (span, month) pairs through this index. On
        # PostgreSQL its index also includes the counts (migration 0031; SQLite has no
        # INCLUDE), so that a page reads the buckets of an octave from the index alone.
        constraints = [
            models.UniqueConstraint(
                fields=["span", "month", "organization", "field", "bucket"],
                name="reporttimeorgspan_key",
            )
        ]

    def __str__(self):
        return f"{self.span} {self.month} {self.organization_id} {self.field} {self.bucket}"


class ReportTimeOrganizationOctave(models.Model):
    """ReportTimeOrganizationMonth's counts summed over each octave (a doubling of the time:
    16 buckets, tickets.reports.sketch), per span, month, organisation and time: ~12 rows
    where the month table has ~90. A page finds in these which octaves hold the ranks of each
    organisation's median and 90th percentile, and reads the buckets of those octaves only
    (tickets.reports.time_ranks)."""

    span = models.PositiveSmallIntegerField(choices=Span.choices)
    month = models.DateField(_("month"))
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    field = models.PositiveSmallIntegerField(choices=ReportBuckets.Field.choices)
    octave = models.SmallIntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("report time organisation octave")
        verbose_name_plural = _("report time organisation octaves")
        constraints = [
            models.UniqueConstraint(
                fields=["span", "month", "organization", "field", "octave"],
                name="reporttimeorgoctave_key",
            )
        ]

    def __str__(self):
        return f"{self.span} {self.month} {self.organization_id} {self.field} {self.octave}"


class ReportEngineerMonth(ReportBuckets):
    """The times of settled requests by the month of their (latest) solution and engineer."""

    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("report engineer month")
        verbose_name_plural = _("report engineer months")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "assignee", "field", "bucket"], name="reportengmonth_key"
            )
        ]

    def __str__(self):
        return f"{self.month} {self.assignee_id} {self.field} {self.bucket}"


class ReportEngineerDay(models.Model):
    """The engineers' counts of settled requests by the local day of the history entry:
    requests assigned to them that day (each once a day), solutions they proposed, disputes
    that followed their solution. As in the daily tables, one row a key (runs add to it)."""

    day = models.DateField(_("day"))
    engineer = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    taken = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    disputes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("report engineer day")
        verbose_name_plural = _("report engineer days")
        indexes = [models.Index(fields=["day"], name="reportengday_day")]
        constraints = [models.UniqueConstraint(fields=["day", "engineer"], name="reportengday_key")]

    def __str__(self):
        return f"{self.day} {self.engineer_id}"


class ReportRepeatAssignment(models.Model):
    """A settled request assigned to the same engineer on more than one day, once per such
    day: what ReportEngineerDay's `taken` counts twice over a period holding two of them."""

    day = models.DateField(_("day"))
    engineer = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("report repeated assignment")
        verbose_name_plural = _("report repeated assignments")
        indexes = [models.Index(fields=["day"], name="reportrepeat_day")]

    def __str__(self):
        return f"{self.day} {self.engineer_id} {self.ticket_id}"
