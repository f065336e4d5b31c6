"""The queue's filters: status (open by default), engineer, SLA state, waiting for the customer,
the organisation (a search box)."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Organization
from tickets import workload
from tickets.console import local_copies
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
        staff = [(str(pk), name) for pk, name in local_copies.engineer_choices()]
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


class OrganisationFilter(admin.ListFilter):
    """A search box for the organisation, not a link per organisation (200 of them at scale).

    The text narrows the queue to the organisations whose name contains it and lists the
    first few to pick one; a picked one is `organization__id__exact`, the admin's own
    parameter, so older links keep working. One small query when used, none otherwise.
    """

    title = _("organisation")
    template = "admin/tickets/ticket/organisation_filter.html"
    TEXT = "org"
    CHOSEN = "organization__id__exact"
    LISTED = 10

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in (self.TEXT, self.CHOSEN):
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = (value[-1] if isinstance(value, list) else value)[:100]
        self.text = self.used_parameters.get(self.TEXT, "").strip()
        chosen = self.used_parameters.get(self.CHOSEN, "")
        if chosen and not (chosen.isascii() and chosen.isdigit() and len(chosen) < 12):
            raise IncorrectLookupParameters(chosen)
        self.chosen = int(chosen) if chosen else None
        self.hidden = []

    def has_output(self):
        return True

    def expected_parameters(self):
        return [self.TEXT, self.CHOSEN]

    def _matching(self):
        return Organization.objects.filter(
            Q(name__icontains=self.text) | Q(short_name__icontains=self.text)
        )

    def queryset(self, request, queryset):
        if self.chosen is not None:
            return queryset.filter(organization_id=self.chosen)
        if self.text:
            return queryset.filter(organization__in=self._matching())
        return queryset

    def choices(self, changelist):
        """The links: every organisation again, the chosen one, or the first matches."""
        self.hidden = self.hidden_fields(changelist)  # for the box (the template has `spec`)
        if self.chosen is None and not self.text:
            return []
        if self.chosen is not None:
            found = Organization.objects.filter(pk=self.chosen)
        else:
            found = self._matching().order_by("name")[: self.LISTED + 1]
        found = list(found.values_list("pk", "name"))
        # The changelist's parameters never hold the page number; and `remove` drops every
        # parameter that starts with a name given (PAGE_VAR, "p", dropped the priority).
        links = [
            {
                "selected": False,
                "query_string": changelist.get_query_string(remove=[self.TEXT, self.CHOSEN]),
                "display": _("All"),
            }
        ]
        for pk, name in found[: self.LISTED]:
            links.append(
                {
                    "selected": pk == self.chosen,
                    "query_string": changelist.get_query_string({self.CHOSEN: pk}),
                    "display": name,
                }
            )
        if len(found) > self.LISTED:
            links.append({"more": True})
        return links

    def hidden_fields(self, changelist):
        """The rest of the queue's parameters, kept when the box is submitted."""
        mine = {self.TEXT, self.CHOSEN, PAGE_VAR}
        return [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name not in mine
            for value in (values if isinstance(values, list) else [values])
        ]
