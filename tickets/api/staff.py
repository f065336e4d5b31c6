"""Support's endpoints: the queue and the workspace's actions, for tools such as a NOC board."""

from django.db.models import F
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view, permission_classes

from accounts.models import User
from tickets import access, lifecycle
from tickets.api import present
from tickets.api import serializers as s
from tickets.api.auth import StaffOnly, TokenScope
from tickets.api.customer import _act, invalid, problems
from tickets.api.forms import AssignForm, PriorityForm, TextForm
from tickets.api.pagination import Cursor
from tickets.models import OPEN_STATUSES

STAFF = [TokenScope, StaffOnly]


class QueueCursor(Cursor):
    page_size = 50
    # The console's order (tickets.console.queue): most urgent first, then the oldest; the
    # partial index ticket_open_queue serves it.
    ordering = ("priority", "created_at", "pk")


@extend_schema(
    parameters=[
        OpenApiParameter("assignee", str, description="`me`, `none` or an engineer's e-mail."),
        OpenApiParameter("priority", int, enum=[v for v, _ in s.Ticket.Priority.choices]),
        OpenApiParameter("cursor", str),
    ],
    responses={200: s.TicketPageSerializer, **problems(400, 403)},
)
@api_view(["GET"])
@permission_classes(STAFF)
def queue(request):
    """Open requests, most urgent first (the console's queue)."""
    tickets = access.visible_tickets(request.user).filter(status__in=list(OPEN_STATUSES))
    assignee = request.query_params.get("assignee")
    if assignee == "me":
        tickets = tickets.filter(assignee=request.user)
    elif assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee:
        tickets = tickets.filter(assignee__email__iexact=assignee)
    if priority := request.query_params.get("priority"):
        form = PriorityForm({"priority": priority})
        if not form.is_valid():
            raise invalid(form)
        tickets = tickets.filter(priority=form.cleaned_data["priority"])
    tickets = tickets.select_related("organization", "requester", "assignee").order_by(
        "priority", F("created_at").asc(), "pk"
    )
    paginator = QueueCursor()
    page = paginator.paginate_queryset(tickets, request)
    return paginator.get_paginated_response([present.summary(ticket) for ticket in page])


def _text_action(request, reference, action):
    found = access.get_ticket_for_user(request.user, reference)
    form = TextForm(request.data, request.FILES, uploader=request.user, ticket=found)
    if not form.is_valid():
        raise invalid(form)
    data = form.cleaned_data
    return _act(request, reference, lambda t: action(t, data["text"], data["files"]))


TEXT = {"application/json": s.TextInput, "multipart/form-data": s.TextInput}
DETAIL = {200: s.TicketDetailSerializer, **problems(400, 403, 404, 409)}
NO_INPUT = {200: s.TicketDetailSerializer, **problems(403, 404, 409)}


@extend_schema(request=None, responses=NO_INPUT)
@api_view(["POST"])
@permission_classes(STAFF)
def take(request, reference):
    """Assign the request to yourself and start work."""
    return _act(request, reference, lambda t: lifecycle.take(t, actor=request.user))


@extend_schema(request=s.AssignInput, responses=DETAIL)
@api_view(["POST"])
@permission_classes(STAFF)
def assign(request, reference):
    """Assign an engineer (supervisors for others), or release with null."""
    form = AssignForm(request.data)
    if not form.is_valid():
        raise invalid(form)
    email = form.cleaned_data["assignee"]
    engineer = None
    if email:
        engineer = User.objects.filter(email__iexact=email).first()
        if engineer is None:
            raise exceptions.ValidationError({"assignee": ["No such user."]})
    return _act(
        request, reference, lambda t: lifecycle.assign(t, actor=request.user, assignee=engineer)
    )


@extend_schema(request=s.PriorityInput, responses=DETAIL)
@api_view(["POST"])
@permission_classes(STAFF)
def priority(request, reference):
    """Change the priority (a Problem or blocking request stays at least High)."""
    form = PriorityForm(request.data)
    if not form.is_valid():
        raise invalid(form)
    value = form.cleaned_data["priority"]
    return _act(
        request, reference, lambda t: lifecycle.set_priority(t, actor=request.user, priority=value)
    )


@extend_schema(request=TEXT, responses=DETAIL)
@api_view(["POST"])
@permission_classes(STAFF)
def request_info(request, reference):
    """Ask the customer a question: the request waits for them."""
    return _text_action(
        request,
        reference,
        lambda t, text, files: lifecycle.request_info(
            t, actor=request.user, question=text, files=files
        ),
    )


@extend_schema(request=TEXT, responses=DETAIL)
@api_view(["POST"])
@permission_classes(STAFF)
def resolve(request, reference):
    """Propose a solution (a public message): the request is Resolved."""
    return _text_action(
        request,
        reference,
        lambda t, text, files: lifecycle.resolve(t, actor=request.user, solution=text, files=files),
    )


@extend_schema(request=TEXT, responses={200: s.TicketDetailSerializer, **problems(400, 403, 404)})
@api_view(["POST"])
@permission_classes(STAFF)
def note(request, reference):
    """An internal note: support only, never shown or sent to the customer."""
    return _text_action(
        request,
        reference,
        lambda t, text, files: lifecycle.add_note(t, actor=request.user, body=text, files=files),
    )
