"""The agent console: the request queue and the request page in the Django admin.

Thin on purpose: every change of status, engineer, priority, executors, every message, split
and link goes through tickets.lifecycle. This module parses input, calls the lifecycle, and
reports what it refused.
"""

import copy
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from proftiket import errors
from sla.models import Breach
from tickets import access, lifecycle, sla_tracking
from tickets.admin_forms import (
    ComposeForm,
    ConsoleActionForm,
    LinkForm,
    SplitForm,
    TicketConsoleForm,
    engineers,
)
from tickets.formatting import duration_text, render_text
from tickets.models import (
    OPEN_STATUSES,
    REFERENCE_PREFIX,
    Attachment,
    Ticket,
    TicketEvent,
    parse_reference,
)

Action = lifecycle.Action
S = Ticket.Status

# Most urgent first: priority, then the SLA resolution due time (none last), then age;
# the same columns as the partial index `ticket_open_queue`.
QUEUE_ORDERING = ["priority", F("resolution_due_at").asc(nulls_last=True), "created_at"]
# Status buttons shown above the request; request_info and resolve live in the compose box.
BUTTON_ACTIONS = {
    Action.TAKE: lifecycle.take,
    Action.REOPEN: lifecycle.reopen,
    Action.CLOSE: lifecycle.close,
}
COMPOSE_MODES = {
    "reply": lambda ticket, user, text, files: lifecycle.reply(
        ticket, actor=user, body=text, files=files
    ),
    "note": lambda ticket, user, text, files: lifecycle.add_note(
        ticket, actor=user, body=text, files=files
    ),
    Action.REQUEST_INFO: lambda ticket, user, text, files: lifecycle.request_info(
        ticket, actor=user, question=text, files=files
    ),
    Action.RESOLVE: lambda ticket, user, text, files: lifecycle.resolve(
        ticket, actor=user, solution=text, files=files
    ),
}
MAX_LISTED_REFUSALS = 20
# A message's history entry labels it only when it says more than "a message was written".
PLAIN_MESSAGE_EVENTS = {
    TicketEvent.Kind.REPLIED,
    TicketEvent.Kind.CUSTOMER_REPLIED,
    TicketEvent.Kind.NOTE_ADDED,
}


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
        since = timezone.now() - timedelta(days=int(value))
        # Since it started waiting: a note or a reassignment meanwhile does not reset it.
        return queryset.filter(status=S.WAITING, status_changed_at__lt=since)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    # --- The queue ---------------------------------------------------------------------------
    list_display = [
        "reference",
        "subject",
        "organization",
        "type",
        "priority_badge",
        "status",
        "assignee",
        "sla_left",
        "last_activity",
    ]
    list_display_links = ["reference"]
    list_select_related = ["organization", "assignee", "requester", "plan__calendar"]
    list_filter = [
        StatusFilter,
        EngineerFilter,
        "type",
        "priority",
        "organization",
        "blocks_work",
        WaitingForCustomerFilter,
    ]
    search_fields = ["subject", "organization__name", "requester__email", "description"]
    search_help_text = _("ID (PT-1042), subject, organisation, requester's e-mail or text.")
    ordering = QUEUE_ORDERING
    list_per_page = 50
    # Counting every request on each page view costs more than it tells on a large database.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    action_form = ConsoleActionForm
    actions = ["take_selected", "assign_selected", "set_priority_of_selected", "close_selected"]

    # --- The request page --------------------------------------------------------------------
    form = TicketConsoleForm
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "subject",
                    ("organization", "requester_contact"),
                    ("type", "blocks_work_flag"),
                    "description_text",
                    "technical_details_text",
                    "request_files",
                ]
            },
        ),
        (
            _("Work"),
            {"fields": ["status", "priority", "assignee", "executors", "close_reason", "version"]},
        ),
        (
            _("Dates"),
            {
                "fields": [
                    ("created_at", "last_activity_at"),
                    ("first_response_at", "resolved_at", "closed_at"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "subject",
        "organization",
        "requester_contact",
        "type",
        "blocks_work_flag",
        "description_text",
        "technical_details_text",
        "request_files",
        "status",
        "close_reason",
        "version",
        "created_at",
        "last_activity_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
    ]

    class Media:
        css = {"all": ["css/console.css"]}

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

    @admin.display(description=_("ID"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("priority"), ordering="priority")
    def priority_badge(self, obj):
        return format_html(
            '<span class="console-prio console-prio-{}">{}</span>',
            obj.priority,
            obj.get_priority_display(),
        )

    @admin.display(description=_("last activity"), ordering="last_activity_at")
    def last_activity(self, obj):
        # Compact, so that the queue fits a laptop screen next to the filters.
        return formats.date_format(
            timezone.localtime(obj.last_activity_at), "COMPACT_DATETIME_FORMAT"
        )

    @admin.display(description=_("SLA: time left"), ordering="resolution_due_at")
    def sla_left(self, obj):
        sla = sla_tracking.current(obj, now=timezone.now())
        if sla is None:
            return "—"
        return format_html(
            '<span class="console-sla console-sla-{}" title="{}">{}</span>',
            _sla_state(sla),
            sla.due_at
            and formats.date_format(timezone.localtime(sla.due_at), "SHORT_DATETIME_FORMAT"),
            _sla_text(sla),
        )

    @admin.display(description=_("requester"))
    def requester_contact(self, obj):
        requester = obj.requester
        return format_html(
            '{} &lt;<a href="mailto:{}">{}</a>&gt;{}',
            requester.full_name,
            requester.email,
            requester.email,
            f" {requester.phone}" if requester.phone else "",
        )

    @admin.display(description=_("blocks work"), boolean=True)
    def blocks_work_flag(self, obj):
        return obj.blocks_work

    @admin.display(description=_("description"))
    def description_text(self, obj):
        return render_text(obj.description)

    @admin.display(description=_("technical details"))
    def technical_details_text(self, obj):
        if not obj.technical_details:
            return "—"
        return format_html('<pre class="console-pre">{}</pre>', obj.technical_details)

    @admin.display(description=_("Attachments"))
    def request_files(self, obj):
        files = obj.attachments.filter(comment__isnull=True)
        if not files:
            return "—"
        return format_html(
            '<ul class="console-files">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                ((_attachment_url(obj, f), f.original_name) for f in files),
            ),
        )

    # --- Search ------------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """`PT-1042` finds that request only; a bare `1042` also matches it besides the text."""
        term = search_term.strip()
        number = parse_reference(term)
        if number and term.upper().startswith(REFERENCE_PREFIX):
            return queryset.filter(pk=number), False
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if number:
            results = results | queryset.filter(pk=number)
        return results, may_have_duplicates

    # --- Bulk actions ------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        action_form = getattr(response, "context_data", {}).get("action_form")
        if action_form and not self.has_assign_others_permission(request):
            del action_form.fields["engineer"]  # no use without the right to assign others
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

    # --- The request page --------------------------------------------------------------------

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in {"assignee", "executors"} and hasattr(field.widget, "widget"):
            field.widget = field.widget.widget  # no "add/change user" links beside the choice
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user  # a fresh class for every request: safe to set
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except lifecycle.TransitionRefused as refusal:
            # Raised inside the admin's transaction: everything of this save is rolled back.
            # The page again with the reason (400), not a redirect that looks like success.
            ticket = self._ticket_to_work_on(request, object_id)
            return self._change_page(request, ticket, refusal=refusal.message)

    def save_model(self, request, obj, form, change):
        """Priority, engineer and executors change through the lifecycle, never a plain save."""
        ticket = Ticket.objects.select_related("assignee").get(pk=obj.pk)
        data = form.cleaned_data
        expected = data["loaded_version"]
        if data["priority"] != ticket.priority:
            lifecycle.set_priority(
                ticket, actor=request.user, priority=data["priority"], expected_version=expected
            )
            expected = ticket.version
        assignee = data["assignee"]
        if (assignee.pk if assignee else None) != ticket.assignee_id:
            lifecycle.assign(
                ticket, actor=request.user, assignee=assignee, expected_version=expected
            )
        executors = list(data["executors"])
        if {user.pk for user in executors} != set(ticket.executors.values_list("pk", flat=True)):
            lifecycle.set_executors(ticket, actor=request.user, executors=executors)

    def save_related(self, request, form, formsets, change):
        """Nothing more to save: the executors went through the lifecycle in save_model."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["console"] = self._console_context(request, obj, context)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _console_context(self, request, ticket, context):
        user = request.user
        can_work = self.has_change_permission(request, ticket)
        available = set(lifecycle.available_actions(user, ticket)) if can_work else set()
        modes = []
        if can_work and lifecycle.can_reply(user, ticket):
            modes.append(("reply", _("Public reply")))
        if can_work and lifecycle.can_add_note(user, ticket):
            modes.append(("note", _("Internal note")))
        modes += [
            (action, lifecycle.ACTION_LABELS[action])
            for action in (Action.REQUEST_INFO, Action.RESOLVE)
            if action in available
        ]
        events = list(ticket.events.select_related("actor"))
        label_of_comment = {
            event.comment_id: event
            for event in events
            if event.comment_id and event.kind not in PLAIN_MESSAGE_EVENTS
        }
        comments = list(
            ticket.comments.select_related("author").prefetch_related(
                Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "pk"))
            )
        )
        for comment in comments:
            comment.console_event = label_of_comment.get(comment.pk)
        return {
            "sla": _sla_explanation(ticket),
            "can_work": can_work,
            "buttons": [
                (action, lifecycle.ACTION_LABELS[action])
                for action in BUTTON_ACTIONS
                if action in available
            ],
            "compose_modes": modes,
            "compose_form": context.get("compose_form") or ComposeForm(),
            "compose_mode": context.get("compose_mode") or "reply",
            "refusal": context.get("refusal"),
            "link_reference": context.get("link_reference", ""),
            "comments": comments,
            "events": events,
            "related": ticket.related.order_by("pk"),
        }

    # --- Buttons, compose box, split and link: POST-only URLs of the request page ----------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<int:object_id>/act/<str:action>/", wrap(self.act_view), name=f"{name}_act"),
            path(
                "<int:object_id>/split/<int:comment_id>/",
                wrap(self.split_view),
                name=f"{name}_split",
            ),
            path("<int:object_id>/link/", wrap(self.link_view), name=f"{name}_link"),
            *super().get_urls(),
        ]

    def _ticket_to_work_on(self, request, object_id):
        ticket = self.get_object(request, str(object_id))
        if ticket is None:
            raise Http404
        if not self.has_change_permission(request, ticket):
            raise PermissionDenied
        return ticket

    def act_view(self, request, object_id, action):
        """A status button, or the compose box in one of its modes."""
        if request.method != "POST":
            return errors.method_not_allowed(["POST"])
        ticket = self._ticket_to_work_on(request, object_id)
        if action in BUTTON_ACTIONS:
            try:
                self._refuse_if_status_moved(request, ticket)
                BUTTON_ACTIONS[action](ticket, actor=request.user)
            except lifecycle.TransitionRefused as refusal:
                return self._change_page(request, ticket, refusal=refusal.message)
            messages.success(request, _status_message(ticket))
            return redirect(_change_url(ticket))
        if action in COMPOSE_MODES:
            return self._compose(request, ticket, action)
        raise Http404

    def _compose(self, request, ticket, mode):
        form = ComposeForm(request.POST, request.FILES, uploader=request.user, ticket=ticket)
        if form.is_valid():
            try:
                if mode in (Action.REQUEST_INFO, Action.RESOLVE):
                    self._refuse_if_status_moved(request, ticket)
                COMPOSE_MODES[mode](
                    ticket, request.user, form.cleaned_data["body"], form.cleaned_data["files"]
                )
            except lifecycle.TransitionRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                done = {
                    "reply": gettext("Your reply has been sent to the customer."),
                    "note": gettext("The internal note has been added."),
                }
                messages.success(request, done.get(mode) or _status_message(ticket))
                return redirect(_change_url(ticket) + "#conversation")
        # Shown again with what was typed: nothing the engineer wrote is lost.
        return self._change_page(request, ticket, compose_form=form, compose_mode=mode)

    def _change_page(self, request, ticket, **extra_context):
        as_get = copy.copy(request)
        as_get.method = "GET"
        response = self.change_view(
            as_get, str(ticket.pk), form_url=_change_url(ticket), extra_context=extra_context
        )
        response.status_code = 400
        return response

    @staticmethod
    def _refuse_if_status_moved(request, ticket):
        """The buttons carry the status the page showed: acting on a stale page is refused."""
        shown = request.POST.get("status")
        if shown and shown != ticket.status:
            raise lifecycle.ConcurrentChange(
                gettext(
                    "%(ref)s has changed meanwhile: it is now “%(status)s”. Nothing has been "
                    "done; check the page and try again."
                )
                % {"ref": ticket.reference, "status": ticket.get_status_display()}
            )

    def split_view(self, request, object_id, comment_id):
        """One request = one problem: a public message becomes a request of its own."""
        if request.method != "POST":
            return errors.method_not_allowed(["POST"])
        ticket = self._ticket_to_work_on(request, object_id)
        comment = ticket.comments.filter(pk=comment_id).first()
        if comment is None:
            raise Http404
        form = SplitForm(request.POST)
        if not form.is_valid():
            refusal = gettext("Enter a subject for the new request (at most 200 characters).")
            return self._change_page(request, ticket, refusal=refusal)
        try:
            new = lifecycle.split(
                ticket, actor=request.user, comment=comment, subject=form.cleaned_data["subject"]
            )
        except lifecycle.TransitionRefused as refusal:
            return self._change_page(request, ticket, refusal=refusal.message)
        messages.success(
            request, gettext("%(ref)s created from the message.") % {"ref": new.reference}
        )
        return redirect(_change_url(ticket))

    def link_view(self, request, object_id):
        """Relate this request to another one given by its ID."""
        if request.method != "POST":
            return errors.method_not_allowed(["POST"])
        ticket = self._ticket_to_work_on(request, object_id)
        form = LinkForm(request.POST)
        reference = form.data.get("reference", "").strip()
        other = (
            self.get_queryset(request).by_reference(reference).first() if form.is_valid() else None
        )
        if other is None:
            refusal = gettext("There is no request “%(ref)s”.") % {"ref": reference[:20]}
            return self._change_page(
                request, ticket, refusal=refusal, link_reference=reference[:20]
            )
        try:
            lifecycle.link(ticket, other, actor=request.user)
        except lifecycle.TransitionRefused as refusal:
            return self._change_page(
                request, ticket, refusal=refusal.message, link_reference=reference[:20]
            )
        messages.success(
            request,
            gettext("%(ref)s and %(other)s are now linked.")
            % {"ref": ticket.reference, "other": other.reference},
        )
        return redirect(_change_url(ticket) + "#related")


def _change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def _attachment_url(ticket, attachment):
    return reverse(
        "tickets:attachment", args=[ticket.reference, attachment.pk, attachment.original_name]
    )


def _status_message(ticket):
    return gettext("%(ref)s is now “%(status)s”.") % {
        "ref": ticket.reference,
        "status": ticket.get_status_display(),
    }


def _sla_state(sla) -> str:
    """The SLA clock's state, as the CSS class suffix of its badge."""
    if sla.paused:
        return "paused"
    return "breached" if sla.breached else "at-risk" if sla.at_risk else "ok"


def _sla_text(sla) -> str:
    if sla.paused and sla.left < timedelta(0):
        return _("stopped, overdue by %(late)s") % {"late": duration_text(sla.left)}
    if sla.paused:
        return _("stopped, %(left)s left") % {"left": duration_text(sla.left)}
    if sla.breached:
        return _("overdue by %(late)s") % {"late": duration_text(sla.left)}
    return duration_text(sla.left)


def _sla_explanation(ticket):
    """Time left on the running target and how it was computed, for the request page."""
    sla = sla_tracking.current(ticket, now=timezone.now())
    if sla is None:
        return None
    targets = sla_tracking.targets_of(ticket)
    return {
        "clock": sla,
        "text": _sla_text(sla),
        "state": _sla_state(sla),
        "target_label": Breach.Target(sla.target).label,
        "target": duration_text(sla.total),
        "first_response_target": duration_text(targets.first_response),
        "resolution_target": duration_text(targets.resolution),
        "paused_for": duration_text(ticket.sla_paused_for),
        "plan": ticket.plan,
        "calendar": ticket.plan.calendar,
        "first_response_due_at": ticket.first_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
    }
