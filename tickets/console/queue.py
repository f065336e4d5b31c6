"""The request queue: open requests most urgent first, filters, search, bulk actions."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR, ChangeList
from django.db.models import F
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tickets import access, lifecycle, search
from tickets.console import local_copies, queue_rows
from tickets.console.filters import (
    EngineerFilter,
    OrganisationFilter,
    SlaFilter,
    StatusFilter,
    WaitingForCustomerFilter,
)
from tickets.console.forms import ConsoleActionForm
from tickets.console.queue_page import QueuePage
from tickets.console.queue_rows import QueueCells
from tickets.lifecycle import incidents
from tickets.models import Ticket
from tickets.paging import LookaheadPaginator, PageFirstPaginator, page_number

# Most urgent first: priority, then the SLA resolution due time (none last), then age;
# the same columns as the partial index `ticket_open_queue`.
QUEUE_ORDERING = ["priority", F("resolution_due_at").asc(nulls_last=True), "created_at"]
SEARCH_ORDERING = ["-created_at", "-pk"]
MAX_LISTED_REFUSALS = 20
QUEUE_TEMPLATE = "admin/tickets/ticket/queue.html"


class QueueChangeList(ChangeList):
    """The admin's changelist, reading only the columns a queue row shows.

    Only the page's rows are narrowed: bulk actions get the full requests from
    `get_queryset` (the lifecycle needs them).
    """

    def get_results(self, request):
        self.queryset = (
            self.queryset.select_related(None)
            .select_related(*queue_rows.ROW_RELATIONS)
            .prefetch_related(None)
            .only(*queue_rows.ROW_FIELDS)
        )
        super().get_results(request)
        rows = getattr(self.paginator, "rows", None)  # the page, read with the count
        if rows is not None and not self.multi_page:
            self.result_list = rows  # the admin would read the whole short list again
        self.result_list = local_copies.with_plans(self.result_list)


class QueueAdmin(admin.ModelAdmin):
    # Seven columns, so that the queue fits a 1,366 px screen with the filters open: the
    # organisation and the type go under the subject; the SLA column always stays in view.
    # The one-pass row writer (queue_rows) owns the list of columns it can write.
    list_display = list(queue_rows.COLUMNS)
    list_display_links = None  # the ID links to the workspace itself (no change form)
    list_select_related = ["organization", "assignee", "requester", "plan__calendar"]
    list_filter = [
        StatusFilter,
        EngineerFilter,
        SlaFilter,
        "type",
        "priority",
        OrganisationFilter,
        "blocks_work",
        WaitingForCustomerFilter,
    ]
    search_fields = ["subject"]  # shows the search box; the search itself is tickets.search
    search_help_text = _("ID (PT-1042), subject, organisation, requester's e-mail or text.")
    ordering = QUEUE_ORDERING
    list_per_page = 50
    list_max_show_all = 0  # no "show all": a search may match 70,000 requests
    # Counting every request on each page view costs more than it tells on a large database.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    action_form = ConsoleActionForm
    actions = [
        "take_selected",
        "assign_selected",
        "set_priority_of_selected",
        "attach_selected_to_incident",
        "close_selected",
    ]

    def get_queryset(self, request):
        # The same rule as the portal's (tickets.access): support staff see every request.
        return (
            access.visible_tickets(request.user)
            .select_related("organization", "requester", "assignee", "plan__calendar")
            .prefetch_related("plan__targets")
            .order_by(*self.get_ordering(request))
        )

    def has_add_permission(self, request):
        return False  # customers file requests in the portal

    def has_delete_permission(self, request, obj=None):
        return False  # a request and its history stay; close it instead

    def has_assign_others_permission(self, request):
        return request.user.has_perm("tickets.assign_others")

    # --- Columns -----------------------------------------------------------------------------

    def changelist_title(self):
        return _("Request queue")

    # The cells' HTML is queue_rows' (the page formats whole rows there in one pass); these
    # give the admin the headers and the sort orders, and serve any other caller.

    @admin.display(description=_("ID"), ordering="pk")
    def reference(self, obj):
        return mark_safe(QueueCells.for_page().reference(obj))  # noqa: S308  (escaped there)

    @admin.display(description=_("subject"), ordering="subject")
    def subject_line(self, obj):
        return mark_safe(QueueCells.for_page().subject(obj))  # noqa: S308

    @admin.display(description=_("priority"), ordering="priority")
    def priority_badge(self, obj):
        return mark_safe(QueueCells.for_page().priority(obj))  # noqa: S308

    @admin.display(description=_("last activity"), ordering="last_activity_at")
    def last_activity(self, obj):
        return QueueCells.for_page().last_activity(obj)

    @admin.display(description=_("SLA: time left"), ordering="resolution_due_at")
    def sla_left(self, obj):
        return mark_safe(QueueCells.for_page().sla(obj))  # noqa: S308

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    # --- Search ------------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """`PT-1042` finds that request only; otherwise words, organisation, e-mail (search.py)."""
        if not search_term.strip():
            return queryset, False
        return search.search_console(queryset, search_term), False

    def get_ordering(self, request):
        # Newest first for a search over every request: the most urgent order has no index
        # there, and would sort all 70,000 requests that mention a modem to show fifty.
        if request.GET.get(SEARCH_VAR, "").strip():
            return SEARCH_ORDERING
        return super().get_ordering(request)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        number = page_number(request.GET.get(PAGE_VAR))
        if request.GET.get(SEARCH_VAR, "").strip():
            return LookaheadPaginator(queryset, per_page, number=number)
        return PageFirstPaginator(
            queryset,
            per_page,
            number=number,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
        )

    # --- Bulk actions ------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": self.changelist_title(), **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context is None:
            return response  # a redirect: after an action, or for a malformed filter
        action_form = context.get("action_form")
        if action_form and not self.has_assign_others_permission(request):
            del action_form.fields["engineer"]  # no use without the right to assign others
        elif action_form:
            # Offered from memory; the engineer chosen is checked against the database.
            choices = [("", "—"), *local_copies.engineer_choices()]
            action_form.fields["engineer"].widget.choices = choices
        # The page written in one pass (queue_page) in the console's lean chrome; a popup or
        # other columns keep the admin's templates.
        page = QueuePage.for_context(context)
        if page is not None:
            context["queue"] = page
            response.template_name = QUEUE_TEMPLATE
        return response

    @admin.action(description=_("Take into work (assign to me)"), permissions=["change"])
    def take_selected(self, request, queryset):
        self._for_each(
            request,
            queryset,
            lambda ticket: lifecycle.take(ticket, actor=request.user),
            lambda count: ngettext(
                "%(count)d request taken into work.", "%(count)d requests taken into work.", count
            ),
        )

    @admin.action(description=_("Assign to the chosen engineer"), permissions=["assign_others"])
    def assign_selected(self, request, queryset):
        engineer = ConsoleActionForm.chosen(request.POST, "engineer")
        if engineer is None:
            self.message_user(
                request,
                _("Choose an engineer to assign the requests to. Nothing has been changed."),
                messages.ERROR,
            )
            return
        self._for_each(
            request,
            queryset,
            lambda ticket: lifecycle.assign(ticket, actor=request.user, assignee=engineer),
            lambda count: ngettext(
                "%(count)d request assigned to %(name)s.",
                "%(count)d requests assigned to %(name)s.",
                count,
            ),
            name=engineer.full_name,
        )

    @admin.action(description=_("Set the chosen priority"), permissions=["change"])
    def set_priority_of_selected(self, request, queryset):
        priority = ConsoleActionForm.chosen(request.POST, "priority")
        if priority is None:
            self.message_user(
                request, _("Choose a priority to set. Nothing has been changed."), messages.ERROR
            )
            return
        self._for_each(
            request,
            queryset,
            lambda ticket: lifecycle.set_priority(ticket, actor=request.user, priority=priority),
            lambda count: ngettext(
                "Priority set to “%(priority)s” for %(count)d request.",
                "Priority set to “%(priority)s” for %(count)d requests.",
                count,
            ),
            priority=Ticket.Priority(priority).label,
        )

    @admin.action(description=_("Attach to the major incident…"), permissions=["change"])
    def attach_selected_to_incident(self, request, queryset):
        reference = (request.POST.get("incident") or "").strip()[:20]
        incident = self.get_queryset(request).by_reference(reference).first()
        if incident is None or not incident.is_major_incident:
            self.message_user(
                request,
                _("Give the ID of a major incident (PT-…). Nothing has been changed."),
                messages.ERROR,
            )
            return
        self._for_each(
            request,
            queryset,
            lambda ticket: incidents.attach(ticket, incident=incident, actor=request.user),
            lambda count: ngettext(
                "%(count)d request attached to the major incident %(ref)s.",
                "%(count)d requests attached to the major incident %(ref)s.",
                count,
            ),
            ref=incident.reference,
        )

    @admin.action(description=_("Close (for example, duplicates)"), permissions=["change"])
    def close_selected(self, request, queryset):
        self._for_each(
            request,
            queryset,
            lambda ticket: lifecycle.close(ticket, actor=request.user),
            lambda count: ngettext(
                "%(count)d request closed.", "%(count)d requests closed.", count
            ),
        )

    def _for_each(self, request, queryset, operation, success, **params):
        """Apply a lifecycle call to each chosen request; report the done and the refused."""
        done, refused = 0, []
        for ticket in self._chosen_tickets(request, queryset):
            try:
                operation(ticket)
            except lifecycle.TransitionRefused as refusal:
                refused.append(f"{ticket.reference}: {refusal.message}")
            else:
                done += 1
        if done:
            self.message_user(request, success(done) % {"count": done, **params}, messages.SUCCESS)
        if refused:
            listed = "; ".join(refused[:MAX_LISTED_REFUSALS])
            if len(refused) > MAX_LISTED_REFUSALS:
                listed += "; …"
            self.message_user(
                request,
                ngettext(
                    "%(count)d request was not changed: %(refusals)s",
                    "%(count)d requests were not changed: %(refusals)s",
                    len(refused),
                )
                % {"count": len(refused), "refusals": listed},
                messages.WARNING,
            )

    def _chosen_tickets(self, request, queryset):
        # The changelist hands over its filtered list: a ticked request that left the
        # filter meanwhile (closed by a colleague, say) must be reported, not skipped.
        if request.POST.get("select_across") not in {"1", "True", "true", "on"}:
            chosen = request.POST.getlist(ACTION_CHECKBOX_NAME)
            queryset = self.get_queryset(request).filter(pk__in=chosen)
        return queryset.order_by("pk")
