"""The queue's filters: status (open by default), engineer, SLA state, waiting for the customer."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import SEARCH_VAR
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tickets import workload
from tickets.console.forms import engineers
from tickets.models import OPEN_STATUSES, Ticket

S = Ticket.Status


class StatusFilter(admin.SimpleListFilter):
    """Open requests unless another status is chosen; a search looks in all of them."""

    title = _("status")
    parameter_name = "status"
    OPEN = "open"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [(self.OPEN, _("Open (needs work)")), *S.choices, (self.ALL, _("All"))]

    def value(self):
        value = super().value()
        if value is None:
            return self.ALL if self.request.GET.get(SEARCH_VAR, "").strip() else self.OPEN
        return value

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.OPEN:
            # The statuses of the partial index `ticket_open_queue`, so that PostgreSQL uses it.
            return queryset.filter(status__in=OPEN_STATUSES)
        if value in S.values:
            return queryset.filter(status=value)
        if value == self.ALL:
            return queryset
        raise IncorrectLookupParameters(value)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class EngineerFilter(admin.SimpleListFilter):
    title = _("engineer")
    parameter_name = "engineer"
    ME = "me"
    NOBODY = "none"

    def lookups(self, request, model_admin):
        staff = [(str(pk), name) for pk, name in engineers().values_list("pk", "full_name")]
        return [(self.ME, _("Assigned to me")), (self.NOBODY, _("Not assigned")), *staff]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == self.ME:
            return queryset.filter(assignee=request.user)
        if value == self.NOBODY:
            return queryset.filter(assignee__isnull=True)
        if value.isascii() and value.isdigit() and len(value) < 12:
            return queryset.filter(assignee_id=int(value))
        raise IncorrectLookupParameters(value)


class WaitingForCustomerFilter(admin.SimpleListFilter):
    title = _("waiting for the customer")
    parameter_name = "waiting_days"
    DAYS = (1, 3, 7, 14)

    def lookups(self, request, model_admin):
        return [
            (
                str(days),
                ngettext("longer than %(count)d day", "longer than %(count)d days", days)
                % {"count": days},
            )
            for days in self.DAYS
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value not in {str(days) for days in self.DAYS}:
            raise IncorrectLookupParameters(value)
        # Since it started waiting: a note or a reassignment meanwhile does not reset it.
        return queryset.filter(workload.waiting_longer_than(int(value), timezone.now()))


class SlaFilter(admin.SimpleListFilter):
    """At risk or breached now, judged as the home page counts them (tickets.workload)."""

    title = _("SLA")
    parameter_name = "sla"
    AT_RISK = "at_risk"
    BREACHED = "breached"

    def lookups(self, request, model_admin):
        return [(self.AT_RISK, _("At risk")), (self.BREACHED, _("Breached"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == self.AT_RISK:
            return queryset.filter(workload.at_risk(timezone.now()))
        if value == self.BREACHED:
            return queryset.filter(workload.breached(timezone.now()))
        raise IncorrectLookupParameters(value)
