"""The requests of the token's user: list, read, file, reply, confirm, dispute, withdraw."""

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view
from rest_framework.response import Response

from accounts import tokens
from tickets import access, lifecycle
from tickets.api import idempotency, present
from tickets.api import serializers as s
from tickets.api.pagination import Cursor
from tickets.forms import DisputeForm, ReplyForm, TicketFilterForm, TicketForm, WithdrawForm
from tickets.timeline import timeline

ORDERINGS = {
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
    "-updated": ("-last_activity_at", "-pk"),
    "updated": ("last_activity_at", "pk"),
}


def problems(*codes: int) -> dict:
    """The documented errors of an endpoint: these, and 401 and 429 for every one."""
    return {code: s.Problem for code in sorted({*codes, 401, 429})}


IDEMPOTENCY = OpenApiParameter(
    idempotency.HEADER,
    str,
    OpenApiParameter.HEADER,
    description="A retry with the same key returns the first answer; nothing is done twice.",
)


class TicketCursor(Cursor):
    page_size = settings.API_PAGE_SIZE
    ordering = ORDERINGS["-created"]

    def get_ordering(self, request, queryset, view):
        return ORDERINGS.get(request.query_params.get("ordering"), self.ordering)


def acting(request):
    """Changes made inside are recorded as made through the caller's token."""
    return tokens.acting_through(request.auth)


def invalid(form) -> exceptions.ValidationError:
    errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
    return exceptions.ValidationError(errors)


def paginated(request, tickets):
    tickets = tickets.select_related("organization", "requester", "assignee")
    paginator = TicketCursor()
    page = paginator.paginate_queryset(tickets, request)
    return paginator.get_paginated_response([present.summary(ticket) for ticket in page])


LIST_PARAMETERS = [
    OpenApiParameter("status", str, enum=[v for v, _ in s.Ticket.Status.choices]),
    OpenApiParameter("type", str, enum=[v for v, _ in s.Ticket.Type.choices]),
    OpenApiParameter("priority", int, enum=[v for v, _ in s.Ticket.Priority.choices]),
    OpenApiParameter("q", str, description="Text in the subject, description or messages."),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="ISO 8601, with zone."),
    OpenApiParameter("ordering", str, enum=list(ORDERINGS), description="Default -created."),
    OpenApiParameter("cursor", str, description="From `next` or `previous` of a page."),
]


def _filtered(request):
    form = TicketFilterForm(request.query_params)
    if not form.is_valid():
        raise invalid(form)
    tickets = access.visible_tickets(request.user)
    data = form.cleaned_data
    if data["q"]:
        from tickets.views.portal import _search

        tickets = _search(tickets, data["q"].strip())
    for field in ("status", "type", "priority"):
        if data[field] not in ("", None):
            tickets = tickets.filter(**{field: data[field]})
    if since := request.query_params.get("updated_since"):
        moment = _parse_moment(since)
        tickets = tickets.filter(last_activity_at__gte=moment)
    ordering = request.query_params.get("ordering")
    if ordering and ordering not in ORDERINGS:
        raise exceptions.ValidationError({"ordering": [_("One of: %s.") % ", ".join(ORDERINGS)]})
    return tickets


def _parse_moment(text):
    try:
        moment = parse_datetime(text.replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise exceptions.ValidationError(
            {"updated_since": [_("A date and time with its zone, e.g. 2026-12-01T09:00:00Z.")]}
        )
    return moment


@extend_schema(
    methods=["GET"],
    operation_id="tickets_list",
    parameters=LIST_PARAMETERS,
    responses={200: s.TicketPageSerializer, **problems(400)},
)
@extend_schema(
    methods=["POST"],
    operation_id="tickets_create",
    request={"application/json": s.TicketCreateInput, "multipart/form-data": s.TicketCreateInput},
    parameters=[IDEMPOTENCY],
    responses={201: s.TicketDetailSerializer, **problems(400, 403, 404, 409, 422)},
)
@api_view(["GET", "POST"])
def tickets(request):
    """List the requests this token may see, or file a new one (multipart for files)."""
    if request.method == "GET":
        return paginated(request, _filtered(request))
    return idempotency.run(request, lambda: _create(request))


def _create(request):
    user = request.user
    follow_up_of = None
    if reference := request.data.get("follow_up"):
        follow_up_of = access.get_ticket_for_user(user, str(reference))
    form = TicketForm(request.data, request.FILES, uploader=user)
    if not form.is_valid():
        raise invalid(form)
    data = form.cleaned_data
    with acting(request):
        ticket = lifecycle.create_ticket(
            requester=user,
            type=data["type"],
            subject=data["subject"],
            description=data["description"],
            technical_details=data["technical_details"],
            blocks_work=data["blocks_work"],
            files=data["files"],
            follow_up_of=follow_up_of,
        )
    body = detail_data(request, access.get_ticket_for_user(user, ticket.reference))
    return Response(body, status=201, headers={"Location": body["url"]})


def detail_data(request, ticket) -> dict:
    """A request with its conversation and files as this user may see them, and their actions."""
    user = request.user
    conversation = timeline(user, ticket)
    return {
        **present.summary(ticket),
        "description": ticket.description,
        "technical_details": ticket.technical_details,
        "attachments": [present.attachment(file) for file in conversation.request_files],
        "messages": [present.message(entry) for entry in conversation.messages],
        "history": [present.event(item) for item in conversation.events],
        "actions": [action.value for action in lifecycle.available_actions(user, ticket)],
        "can_reply": lifecycle.can_reply(user, ticket),
    }


@extend_schema(responses={200: s.TicketDetailSerializer, **problems(404)})
@api_view(["GET"])
def ticket(request, reference):
    """One request with its conversation and files (a customer never sees internal notes)."""
    return Response(detail_data(request, access.get_ticket_for_user(request.user, reference)))


@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **problems(404)})
@api_view(["GET"])
def attachment(request, reference, attachment_id):
    """A file of the request, as the portal serves it (never an internal one to a customer)."""
    found = access.get_ticket_for_user(request.user, reference)
    file = access.get_attachment_for_user(request.user, found, attachment_id)
    try:
        handle = file.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle, as_attachment=True, filename=file.original_name, content_type=file.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _act(request, reference, action) -> Response:
    found = access.get_ticket_for_user(request.user, reference)
    with acting(request):
        action(found)
    return Response(detail_data(request, found))


@extend_schema(
    request={"application/json": s.ReplyInput, "multipart/form-data": s.ReplyInput},
    parameters=[IDEMPOTENCY],
    responses={201: s.CommentCreatedSerializer, **problems(400, 403, 404, 409, 422)},
)
@api_view(["POST"])
def reply(request, reference):
    """A public message (answering a question resumes work)."""
    found = access.get_ticket_for_user(request.user, reference)

    def send():
        form = ReplyForm(request.data, request.FILES, uploader=request.user, ticket=found)
        if not form.is_valid():
            raise invalid(form)
        with acting(request):
            comment = lifecycle.reply(
                found,
                actor=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        ticket_data = present.summary(found)
        return Response({"id": comment.pk, "ticket": ticket_data}, status=201)

    return idempotency.run(request, send)


@extend_schema(request=None, responses={200: s.TicketDetailSerializer, **problems(403, 404, 409)})
@api_view(["POST"])
def confirm(request, reference):
    """Accept the proposed solution: the request is closed."""
    return _act(request, reference, lambda t: lifecycle.confirm(t, actor=request.user))


@extend_schema(
    request={"application/json": s.DisputeInput, "multipart/form-data": s.DisputeInput},
    responses={200: s.TicketDetailSerializer, **problems(400, 403, 404, 409)},
)
@api_view(["POST"])
def dispute(request, reference):
    """Reject the proposed solution, saying why: work resumes."""
    found = access.get_ticket_for_user(request.user, reference)
    form = DisputeForm(request.data, request.FILES, uploader=request.user, ticket=found)
    if not form.is_valid():
        raise invalid(form)
    data = form.cleaned_data
    return _act(
        request,
        reference,
        lambda t: lifecycle.dispute(
            t, actor=request.user, reason=data["reason"], files=data["files"]
        ),
    )


@extend_schema(
    request=s.WithdrawInput, responses={200: s.TicketDetailSerializer, **problems(403, 404, 409)}
)
@api_view(["POST"])
def withdraw(request, reference):
    """The request is no longer needed: it is closed as withdrawn."""
    form = WithdrawForm(request.data)
    if not form.is_valid():
        raise invalid(form)
    reason = form.cleaned_data["reason"]
    return _act(
        request, reference, lambda t: lifecycle.withdraw(t, actor=request.user, reason=reason)
    )
