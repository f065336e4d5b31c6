"""The URLs of one request in the console, on the Ticket ModelAdmin (admin login, permissions
and chrome): the workspace, its POST actions, presence, reply templates and the history.

The admin's change form is not used for requests: its URL (in e-mails and bookmarks) leads
to the workspace, and the admin's history (LogEntry rows) to the request's own history.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import path

from proftiket import errors
from tickets.console import actions, canned, incident_views, presence, workspace


def posting(view):
    """A POST action on a request: 405 for other methods, 404 for a request the user may not
    see, 403 for one they may only look at; the view gets the request loaded."""

    @wraps(view)
    def wrapper(model_admin, request, object_id, *args, **kwargs):
        if request.method != "POST":
            return errors.method_not_allowed(["POST"])
        ticket = model_admin.visible_ticket(request, object_id)
        if not model_admin.has_change_permission(request, ticket):
            raise PermissionDenied
        return view(model_admin, request, ticket, *args, **kwargs)

    return wrapper


class RequestViewsMixin:
    """For the Ticket ModelAdmin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"

        def route(pattern, view, suffix):
            return path(pattern, wrap(view), name=f"{name}_{suffix}")

        return [
            route("<int:object_id>/", self.workspace_view, "workspace"),
            route("<int:object_id>/act/<str:action>/", self.act_view, "act"),
            route("<int:object_id>/compose/", self.compose_view, "compose"),
            route("<int:object_id>/set/<str:prop>/", self.property_view, "set"),
            route("<int:object_id>/split/<int:comment_id>/", self.split_view, "split"),
            route("<int:object_id>/link/", self.link_view, "link"),
            route("<int:object_id>/incident/<str:step>/", self.incident_view, "incident"),
            route(
                "<int:object_id>/incident/detach/<int:child_id>/",
                self.incident_detach_view,
                "incident_detach",
            ),
            route("<int:object_id>/presence/", self.presence_view, "presence"),
            route("<int:object_id>/canned/", self.canned_list_view, "canned"),
            route("<int:object_id>/canned/<int:reply_id>/", self.canned_view, "canned_insert"),
            *super().get_urls(),
        ]

    # --- Reading -------------------------------------------------------------------------------

    def visible_ticket(self, request, object_id):
        ticket = workspace.load(request, object_id)
        if ticket is None or not self.has_view_permission(request, ticket):
            raise Http404
        return ticket

    def workspace_view(self, request, object_id):
        ticket = self.visible_ticket(request, object_id)
        if actions.wants_json(request):  # the page's script asks for its parts, fresh
            return JsonResponse(workspace.fragments(self, request, ticket))
        return workspace.page(self, request, ticket)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The admin's change URL (links in e-mails, bookmarks) leads to the workspace."""
        if not str(object_id).isdigit():
            raise Http404
        return redirect("admin:tickets_ticket_workspace", object_id=int(object_id))

    def history_view(self, request, object_id, extra_context=None):
        """The request's history entries, not the admin's log of form saves."""
        if not str(object_id).isdigit():
            raise Http404
        return workspace.history_page(self, request, self.visible_ticket(request, object_id))

    # --- Acting --------------------------------------------------------------------------------

    @posting
    def act_view(self, request, ticket, action):
        return actions.act(self, request, ticket, action)

    @posting
    def compose_view(self, request, ticket):
        return actions.compose(self, request, ticket)

    @posting
    def property_view(self, request, ticket, prop):
        return actions.set_property(self, request, ticket, prop)

    def split_view(self, request, object_id, comment_id):
        ticket = self.visible_ticket(request, object_id)
        if not self.has_change_permission(request, ticket):
            raise PermissionDenied
        return actions.split(self, request, ticket, comment_id)

    @posting
    def link_view(self, request, ticket):
        return actions.link(self, request, ticket)

    @posting
    def incident_view(self, request, ticket, step):
        steps = {
            "mark": incident_views.mark,
            "unmark": incident_views.unmark,
            "attach": incident_views.attach,
            "update": incident_views.update,
        }
        if step not in steps:
            raise Http404
        return steps[step](self, request, ticket)

    @posting
    def incident_detach_view(self, request, ticket, child_id):
        return incident_views.detach(self, request, ticket, child_id)

    @posting
    def presence_view(self, request, ticket):
        return presence.beat_view(request, ticket)

    @posting
    def canned_view(self, request, ticket, reply_id):
        if not request.user.has_perm("tickets.view_cannedreply"):
            raise PermissionDenied
        return canned.inserted(request, ticket, reply_id)

    def canned_list_view(self, request, object_id):
        if not request.user.has_perm("tickets.view_cannedreply"):
            raise PermissionDenied
        return canned.offered(request, self.visible_ticket(request, object_id))
