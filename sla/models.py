"""Business calendars, support plans (the packages sold) and customers' contracts."""

import zoneinfo
from datetime import date, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from sla import clock


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s") % {"tz": value})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


_SCHEDULES: dict[tuple, clock.Schedule] = {}


def clear_schedule_cache() -> None:
    """Forget the cached schedules (tests, or after editing hours outside the admin)."""
    _SCHEDULES.clear()


class BusinessCalendar(models.Model):
    """The hours in which support works: weekly intervals, holidays and special days."""

    DEFAULT_NAME = "Support hours"

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def schedule(self) -> clock.Schedule:
        """The pure Schedule the SLA clock computes with.

        Cached in the process by (calendar, last change): a page listing many requests on the
        same calendar reads its hours once. Editing the calendar in the admin saves it, which
        moves `updated_at` and so replaces the cached schedule.
        """
        key = (self.pk, self.updated_at)
        cached = _SCHEDULES.get(key)
        if cached is not None:
            return cached
        _SCHEDULES[key] = self._build_schedule()
        return _SCHEDULES[key]

    def _build_schedule(self) -> clock.Schedule:
        weekly: dict[int, list] = {}
        for hours in self.weekly_hours.order_by("weekday", "opens"):
            weekly.setdefault(hours.weekday, []).append((hours.opens, hours.closes))
        holidays, special = set(), {}
        for day in self.days.order_by("date", "opens"):
            if day.opens is None:
                holidays.add(day.date)
            else:
                special.setdefault(day.date, []).append((day.opens, day.closes))
        return clock.Schedule(
            weekly={weekday: tuple(hours) for weekday, hours in weekly.items()},
            tz=zoneinfo.ZoneInfo(self.time_zone),
            holidays=frozenset(holidays),
            special_days={day: tuple(hours) for day, hours in special.items()},
        )


class WeeklyHours(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(
        _("closes"), help_text=_("00:00 means midnight at the end of the day.")
    )

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["weekday", "opens"]

    def __str__(self):
        opens, closes = (formats.time_format(t, "TIME_FORMAT") for t in (self.opens, self.closes))
        return f"{self.get_weekday_display()} {opens}–{closes}"

    def clean(self):
        if self.closes != time(0) and self.opens is not None and self.closes <= self.opens:
            raise ValidationError(_("The closing time must be after the opening time."))


class CalendarDay(models.Model):
    """A holiday (no hours) or a special day with its own hours (one row per interval)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    opens = models.TimeField(_("opens"), null=True, blank=True, help_text=_("Empty: closed."))
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("holiday or special day")
        verbose_name_plural = _("holidays and special days")
        ordering = ["date", "opens"]

    def __str__(self):
        return f"{formats.date_format(self.date, 'SHORT_DATE_FORMAT')} {self.note}"

    def clean(self):
        if (self.opens is None) != (self.closes is None):
            raise ValidationError(_("Give both the opening and the closing time, or neither."))
        if self.opens and self.closes != time(0) and self.closes <= self.opens:
            raise ValidationError(_("The closing time must be after the opening time."))


class WorkingDayOverride(models.Model):
    """A correction of the Russian production calendar (for years or days it does not know)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: a working day; unticked: a day off.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["date"]

    def __str__(self):
        return formats.date_format(self.date, "SHORT_DATE_FORMAT")


class SupportPlan(models.Model):
    """A support package: which requests it covers, on which hours, with which targets."""

    class AutoAssignment(models.TextChoices):
        OFF = "", _("Off: engineers take requests, supervisors assign them")
        ROUND_ROBIN = "round_robin", _("Round robin among the agents on duty")
        LEAST_OPEN = "least_open", _("The agent on duty with the least open work")

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    covered_types = models.JSONField(
        _("request types covered"),
        default=list,
        help_text=_("Requests of other types get no SLA targets."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("business calendar"), on_delete=models.PROTECT
    )
    auto_close_working_days = models.PositiveSmallIntegerField(
        _("auto-closure after (working days)"),
        default=10,
        help_text=_(
            "A resolved request the customer does not answer closes after this many working days."
        ),
    )
    auto_assignment = models.CharField(
        _("automatic assignment"),
        max_length=20,
        choices=AutoAssignment,
        blank=True,
        default=AutoAssignment.OFF,
        help_text=_(
            "New requests go to an agent on duty: within the calendar's hours, and not marked "
            "away in the console. Blocking Problems are assigned first."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def covers(self, ticket_type: str) -> bool:
        return ticket_type in (self.covered_types or [])

    def targets_for(self, priority: int) -> "PlanTarget | None":
        """The targets of one priority (from the prefetched rows when there are any)."""
        return next((t for t in self.targets.all() if t.priority == priority), None)


class AssignmentCursor(models.Model):
    """Where a plan's automatic assignment stands: whom it gave a request last.

    Its row is locked (SELECT … FOR UPDATE) while an assignment is decided, so concurrent
    filings under the plan take turns and no two read the same turn or the same workload.
    """

    plan = models.OneToOneField(
        SupportPlan, on_delete=models.CASCADE, related_name="assignment_cursor"
    )
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last assigned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned = models.PositiveBigIntegerField(_("requests assigned"), default=0)
    updated_at = models.DateTimeField(_("changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment cursor")
        verbose_name_plural = _("assignment cursors")

    def __str__(self):
        return str(self.plan_id)


class PlanTarget(models.Model):
    """For one priority: how soon support answers first, and how soon it resolves."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=[(1, _("Critical")), (2, _("High")), (3, _("Normal")), (4, _("Low"))]
    )
    first_response = models.DurationField(
        _("first response within"), help_text=_("Business time, e.g. 01:00:00 for one hour.")
    )
    resolution = models.DurationField(_("resolution within"), help_text=_("Business time."))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="plan_target_unique"),
            models.CheckConstraint(
                condition=Q(first_response__gt=timedelta(0)) & Q(resolution__gt=timedelta(0)),
                name="plan_target_positive",
            ),
        ]

    def __str__(self):
        return f"{self.plan}: {self.get_priority_display()}"


class ContractQuerySet(models.QuerySet):
    def active_on(self, day: date):
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)


class Contract(models.Model):
    """An organisation's support contract on a plan, for a period. At most one at a time."""

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    plan = models.ForeignKey(SupportPlan, verbose_name=_("plan"), on_delete=models.PROTECT)
    number = models.CharField(_("contract number"), max_length=50, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("Empty: open-ended.")
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["organization", "-starts_on"]
        indexes = [models.Index(fields=["organization", "starts_on"], name="contract_org_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.number} ({self.organization})"

    def clean(self):
        super().clean()
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The contract cannot end before it starts.")})
        if self.organization_id and self.starts_on and self.overlapping().exists():
            raise ValidationError(
                _(
                    "This organisation already has a contract in this period: "
                    "at most one contract can be active at a time."
                )
            )

    def overlapping(self):
        others = Contract.objects.filter(organization_id=self.organization_id).exclude(pk=self.pk)
        others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.starts_on))
        if self.ends_on:
            others = others.filter(starts_on__lte=self.ends_on)
        return others


def active_contract(organization_id: int, day: date) -> Contract | None:
    """The organisation's contract in force on `day`, with its plan, calendar and targets
    (one query: sla.contract_lookup)."""
    from sla.contract_lookup import active_contract as look_up

    return look_up(organization_id, day)


class Breach(models.Model):
    """A missed SLA target of a request: recorded once, kept for ever (reports use it)."""

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        RESOLUTION = "resolution", _("Resolution")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="breaches",
    )
    target = models.CharField(_("target"), max_length=20, choices=Target)
    due_at = models.DateTimeField(_("was due"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    late_by = models.DurationField(
        _("late by"), null=True, blank=True, help_text=_("Business time past the target.")
    )
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="breach_once_per_target")
        ]
        indexes = [
            models.Index(fields=["due_at"], name="breach_due"),
            # The monitor looks for breaches nobody was told about yet, every minute.
            models.Index(
                fields=["id"], name="breach_pending", condition=Q(notified_at__isnull=True)
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.get_target_display()}"


DEFAULT_WEEKLY_HOURS = {
    **{weekday: ((time(9), time(21)),) for weekday in range(5)},
    5: ((time(10), time(20)),),
    6: ((time(10), time(20)),),
}


def default_calendar() -> BusinessCalendar:
    """The "Support hours" calendar (Mon–Fri 09–21, Sat–Sun 10–20, Moscow), created if missing."""
    calendar, created = BusinessCalendar.objects.get_or_create(
        name=BusinessCalendar.DEFAULT_NAME, defaults={"time_zone": "Europe/Moscow"}
    )
    if created:
        WeeklyHours.objects.bulk_create(
            WeeklyHours(calendar=calendar, weekday=weekday, opens=opens, closes=closes)
            for weekday, hours in DEFAULT_WEEKLY_HOURS.items()
            for opens, closes in hours
        )
    return calendar
