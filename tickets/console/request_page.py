"""The request page of the console: the admin's change form for priority, engineer and
executors, with the status buttons, the conversation, the compose box, split and link around
it, each a small POST action through tickets.lifecycle."""

import copy

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets import lifecycle
from tickets.console.forms import ComposeForm, LinkForm, SplitForm, TicketConsoleForm
from tickets.console.sla_display import sla_explanation
from tickets.formatting import render_text
from tickets.timeline import timeline

Action = lifecycle.Action

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


class RequestPageMixin:
    """The change page of a request, for a ModelAdmin of Ticket."""

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
            messages.error(request, refusal.message)
            return redirect(request.path)

    def save_model(self, request, obj, form, change):
        """Priority, engineer and executors change through the lifecycle, never a plain save."""
        ticket = self.model.objects.select_related("assignee").get(pk=obj.pk)
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
        conversation = timeline(user, ticket)
        return {
            "sla": sla_explanation(ticket),
            "can_work": can_work,
            "buttons": [
                (action, lifecycle.ACTION_LABELS[action])
                for action in BUTTON_ACTIONS
                if action in available
            ],
            "compose_modes": modes,
            "compose_form": context.get("compose_form") or ComposeForm(),
            "compose_mode": context.get("compose_mode") or "reply",
            "messages": conversation.messages,
            "events": conversation.events,
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
            return HttpResponseNotAllowed(["POST"])
        ticket = self._ticket_to_work_on(request, object_id)
        if action in BUTTON_ACTIONS:
            try:
                self._refuse_if_status_moved(request, ticket)
                BUTTON_ACTIONS[action](ticket, actor=request.user)
            except lifecycle.TransitionRefused as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, _status_message(ticket))
            return redirect(_change_url(ticket))
        if action in COMPOSE_MODES:
            return self._compose(request, ticket, action)
        raise Http404

    def _compose(self, request, ticket, mode):
        form = ComposeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                if mode in (Action.REQUEST_INFO, Action.RESOLVE):
                    self._refuse_if_status_moved(request, ticket)
                COMPOSE_MODES[mode](
                    ticket, request.user, form.cleaned_data["body"], form.cleaned_data["files"]
                )
            except lifecycle.TransitionRefused as refusal:
                messages.error(request, refusal.message)
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
            return HttpResponseNotAllowed(["POST"])
        ticket = self._ticket_to_work_on(request, object_id)
        comment = ticket.comments.filter(pk=comment_id).first()
        if comment is None:
            raise Http404
        form = SplitForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Enter a subject for the new request."))
            return redirect(_change_url(ticket) + f"#comment-{comment.pk}")
        try:
            new = lifecycle.split(
                ticket, actor=request.user, comment=comment, subject=form.cleaned_data["subject"]
            )
        except lifecycle.TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request, gettext("%(ref)s created from the message.") % {"ref": new.reference}
            )
        return redirect(_change_url(ticket))

    def link_view(self, request, object_id):
        """Relate this request to another one given by its ID."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._ticket_to_work_on(request, object_id)
        form = LinkForm(request.POST)
        reference = form.data.get("reference", "").strip()
        other = (
            self.get_queryset(request).by_reference(reference).first() if form.is_valid() else None
        )
        if other is None:
            messages.error(
                request, gettext("There is no request “%(ref)s”.") % {"ref": reference[:20]}
            )
            return redirect(_change_url(ticket) + "#related")
        try:
            lifecycle.link(ticket, other, actor=request.user)
        except lifecycle.TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
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
