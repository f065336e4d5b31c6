"""The customer portal: list, file, follow and answer requests. Thin: rules live in lifecycle."""

import html
from functools import partial, wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from proftiket import errors, limits
from sla.models import active_contract
from tickets import access, lifecycle, satisfaction, search, sla_tracking
from tickets.attachments import INLINE_CONTENT_TYPES
from tickets.console.queue_rows import DateFormatter
from tickets.forms import (
    DisputeForm,
    RatingForm,
    ReplyForm,
    TicketFilterForm,
    TicketForm,
    WithdrawForm,
)
from tickets.models import Ticket, TicketEvent
from tickets.paging import LookaheadPaginator, page_number
from tickets.timeline import timeline

PAGE_SIZE = 25
# What a row of the list shows: not the descriptions, nor the thirty other columns (each row's
# three objects cost more to build than to fetch).
LIST_FIELDS = ("subject", "blocks_work", "type", "priority", "status", "created_at",
               "requester__full_name", "assignee__full_name")  # fmt: skip
# Suggestions while a subject is typed: the page asks at most every 0.4 s of typing.
SIMILAR_LIMIT_NAME = "similar-requests"
SIMILAR_RATE = limits.Rate(limit=120, window=60)
# The withdraw and dispute forms share a page and a field name: the prefix keeps their ids apart.
WITHDRAW_PREFIX = "withdraw"


def _customer_required(view):
    """Portal pages are for customers; support staff work in the console."""

    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.is_staff:
            return redirect("admin:tickets_ticket_changelist")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_customer_required
def ticket_list(request):
    """A customer's own requests, or a manager's whole organisation, with filters and counts."""
    form = TicketFilterForm(request.GET or None)
    tickets = access.visible_tickets(request.user)
    # COUNT(*), not COUNT(id): PostgreSQL answers it from the (organization, status) index alone.
    status_counts = dict(
        tickets.order_by().values_list("status").annotate(n=Count("*")).values_list("status", "n")
    )
    total = sum(status_counts.values())  # the unfiltered list's length, without counting again
    ordering = ("-created_at",)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            tickets = search.search_portal(tickets, data["q"])
            total = None
        for field in ("type", "priority"):
            if data[field] not in ("", None):
                tickets = tickets.filter(**{field: data[field]})
                total = None
        if data["status"]:
            tickets = tickets.filter(status=data["status"])
            total = status_counts.get(data["status"], 0) if total is not None else None
        ordering = form.ordering()
    tickets = tickets.select_related("assignee", "requester").only(*LIST_FIELDS)
    tickets = tickets.order_by(*ordering, "-pk")
    if form.is_valid() and form.cleaned_data["q"]:
        # A common word matches thousands: fetch the page and one more, count nothing.
        number = page_number(request.GET.get("page"))
        page = LookaheadPaginator(tickets, PAGE_SIZE, number=number).get_page(number)
    else:
        paginator = Paginator(tickets, PAGE_SIZE)
        if total is not None:
            paginator.count = total  # a cached property: the list is not counted again
        page = paginator.get_page(request.GET.get("page"))
    counts = [(value, label, status_counts.get(value, 0)) for value, label in Ticket.Status.choices]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/list.html",
        {
            "form": form,
            "page": page,
            "rows": _list_rows(page.object_list, manager=request.user.is_customer_manager),
            "status_counts": counts,
            "query": query.urlencode(),
        },
    )


def _list_rows(tickets, *, manager: bool) -> list[SafeString]:
    """Each row of the list as HTML, formatted in one pass for the page: the template prints them.

    Through the template engine the rows were most of the page's rendering (~14 variables a
    row, each looked up and escaped; a translated label, a URL and a date format per row).
    Here the labels, the URL and the date format are worked out once per page, and every
    value from the database is escaped (the standard library's escape: Django's own is the
    same function behind a check for lazy strings, which costs more than escaping here).
    """
    placeholder = "PT-0"
    detail_url = reverse("tickets:detail", kwargs={"reference": placeholder})
    created = DateFormatter("SHORT_DATETIME_FORMAT")
    labels = {
        (field, value): html.escape(str(label))
        for field, choices in (
            ("type", Ticket.Type.choices),
            ("priority", Ticket.Priority.choices),
            ("status", Ticket.Status.choices),
        )
        for value, label in choices
    }
    blocks_work = f' <span class="badge badge-block">{html.escape(_("blocks work"))}</span>'
    rows = []
    for ticket in tickets:
        reference = ticket.reference
        url = html.escape(detail_url.replace(placeholder, reference))
        status = html.escape(ticket.status)
        requester = f"<td>{html.escape(ticket.requester.full_name)}</td>" if manager else ""
        engineer = ticket.assignee.full_name if ticket.assignee else ""
        row = (
            f'<tr><td><a href="{url}">{reference}</a></td>'
            f'<td class="subject"><a href="{url}">{html.escape(ticket.subject)}</a>'
            f"{blocks_work if ticket.blocks_work else ''}</td>"
            f"<td>{labels.get(('type', ticket.type)) or html.escape(ticket.type)}</td>"
            f'<td><span class="prio prio-{ticket.priority:d}">'
            f"{labels.get(('priority', ticket.priority)) or ticket.priority}</span></td>"
            f'<td><span class="status status-{status}">'
            f"{labels.get(('status', ticket.status)) or status}</span></td>"
            f"{requester}<td>{html.escape(engineer) or '—'}</td>"
            f"<td>{created(ticket.created_at)}</td></tr>"
        )
        rows.append(mark_safe(row))  # noqa: S308  (every value above is escaped)
    return rows


@login_required
def similar_requests(request):
    """JSON for the new-request form: open requests the user may open that look like the
    subject being typed (tickets.search), so that they follow one instead of filing again."""
    if not request.user.is_customer:
        return JsonResponse(
            {"results": [], "error": _("Only customers file requests.")}, status=403
        )
    if not limits.take(SIMILAR_LIMIT_NAME, str(request.user.pk), SIMILAR_RATE):
        retry = limits.retry_after(SIMILAR_LIMIT_NAME, str(request.user.pk), SIMILAR_RATE)
        response = JsonResponse(
            {"results": [], "error": _("Too many look-ups. Try again in a minute.")}, status=429
        )
        response["Retry-After"] = str(retry)
        return response
    subject = request.GET.get("subject", "")[: Ticket._meta.get_field("subject").max_length]
    found = search.similar_open_requests(access.visible_tickets(request.user), subject)
    results = [
        {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "status": ticket.get_status_display(),
            "url": ticket.get_absolute_url(),
        }
        for ticket in found
    ]
    return JsonResponse({"results": results})


@_customer_required
def ticket_new(request):
    """File a request; on any error nothing is created and the form says what is wrong."""
    contract = active_contract(request.user.organization_id, timezone.localdate())
    if contract is None:
        return render(
            request, "tickets/no_contract.html", {"contact": settings.SUPPORT_CONTACT}, status=403
        )
    follow_up_of = None
    if reference := request.GET.get("follow_up") or request.POST.get("follow_up"):
        follow_up_of = access.get_ticket_for_user(request.user, reference)
    initial = {}
    if follow_up_of:
        initial = {"type": follow_up_of.type, "subject": follow_up_of.subject}
    form = TicketForm(
        request.POST or None, request.FILES or None, initial=initial, uploader=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = lifecycle.create_ticket(
                requester=request.user,
                type=data["type"],
                subject=data["subject"],
                description=data["description"],
                technical_details=data["technical_details"],
                blocks_work=data["blocks_work"],
                files=data["files"],
                follow_up_of=follow_up_of,
                contract=contract,
            )
        except lifecycle.TransitionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request,
                _("Your request is registered as %(ref)s. Quote this number when you contact us.")
                % {"ref": ticket.reference},
            )
            return redirect(ticket)
    return render(request, "tickets/new.html", {"form": form, "follow_up_of": follow_up_of})


def _detail_context(request, ticket, **forms):
    conversation = timeline(request.user, ticket)
    actions = lifecycle.available_actions(request.user, ticket)
    return {
        "ticket": ticket,
        "timeline": conversation.entries,
        "events": conversation.events,
        "ticket_files": conversation.request_files,
        "actions": actions,
        "can_reply": lifecycle.can_reply(request.user, ticket),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "dispute_form": forms.get("dispute_form") or DisputeForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(prefix=WITHDRAW_PREFIX),
        "refusal": forms.get("refusal"),
        "resolved_at": _solution_in_force_since(ticket, conversation.events),
        "related": access.visible_tickets(request.user)
        .filter(related=ticket)
        .only("subject", "status"),
        # A mapping, not the enum class: templates call callables, and Action() raises, so
        # `Action.CONFIRM in actions` was silently always false.
        "Action": lifecycle.Action.__members__,
        "Status": Ticket.Status,
        "Kind": TicketEvent.Kind,
        # Called by the template only where it is shown (a proposed solution): a query for the
        # plan otherwise spent on every page.
        "auto_close_days": partial(sla_tracking.auto_close_days, ticket),
        "incident_title": _incident_title(ticket),
        "rating": satisfaction.existing_rating(ticket)
        if satisfaction.is_rateable(ticket)
        else None,
        "rating_asked": satisfaction.is_asked(request.user, ticket),
        "rating_form": forms.get("rating_form") or RatingForm(),
    }


def _incident_title(ticket) -> str:
    """The public title of the major incident this request is part of (its only trace here:
    never the incident request, its organisation or its other requests)."""
    if ticket.major_incident_id is None:
        return ""
    incident = Ticket.objects.filter(pk=ticket.major_incident_id).values_list("incident_title")
    return next(iter(incident), ("",))[0]


def _solution_in_force_since(ticket, events):
    """When the solution the request now stands on was proposed; None once work has resumed.

    `resolved_at` keeps the last proposal even after a dispute or a reopening, and the page
    showed "Resolved 06:57" on a request back "In progress".
    """
    Kind = TicketEvent.Kind
    last = next((e for e in reversed(events)
                 if e.kind in (Kind.RESOLVED, Kind.DISPUTED, Kind.REOPENED)), None)  # fmt: skip
    if last is None or last.kind != Kind.RESOLVED:
        return None
    return ticket.resolved_at


def _post_action(view):
    """A change to a request is a POST; any other method on its URL is a 405.

    A GET used to go back to the request page, which looked as if the action had been done.
    After a refusal the page is shown at the action's URL: its language switch returns to the
    request page itself (detail.html), not to this URL.
    """

    @login_required
    @wraps(view)
    def wrapper(request, reference):
        if request.method != "POST":
            return errors.method_not_allowed(["POST"])
        return view(request, reference)

    return wrapper


@login_required
def ticket_detail(request, reference):
    ticket = access.get_ticket_for_user(request.user, reference)
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


@_post_action
def ticket_reply(request, reference):
    """A public message; while the request waits for the customer, it also resumes work."""
    ticket = access.get_ticket_for_user(request.user, reference)
    form = ReplyForm(request.POST, request.FILES, uploader=request.user, ticket=ticket)
    return _act_with_form(
        request,
        ticket,
        form,
        "reply_form",
        _("Your message has been sent."),
        lambda data: lifecycle.reply(
            ticket, actor=request.user, body=data["body"], files=data["files"]
        ),
    )


@_post_action
def ticket_confirm(request, reference):
    ticket = access.get_ticket_for_user(request.user, reference)
    return _run(
        request,
        ticket,
        lambda: lifecycle.confirm(ticket, actor=request.user),
        _("Thank you! The request is closed."),
    )


@_post_action
def ticket_withdraw(request, reference):
    ticket = access.get_ticket_for_user(request.user, reference)
    form = WithdrawForm(request.POST, prefix=WITHDRAW_PREFIX)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _run(
        request,
        ticket,
        lambda: lifecycle.withdraw(ticket, actor=request.user, reason=reason),
        _("The request is withdrawn and closed."),
        withdraw_form=form,
    )


@_post_action
def ticket_dispute(request, reference):
    ticket = access.get_ticket_for_user(request.user, reference)
    form = DisputeForm(request.POST, request.FILES, uploader=request.user, ticket=ticket)
    return _act_with_form(
        request,
        ticket,
        form,
        "dispute_form",
        _("Your objection is recorded; work on the request resumes."),
        lambda data: lifecycle.dispute(
            ticket, actor=request.user, reason=data["reason"], files=data["files"]
        ),
    )


@_post_action
def ticket_rate(request, reference):
    """The requester rates their closed request (the prompt on its page)."""
    ticket = access.get_ticket_for_user(request.user, reference)
    form = RatingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            satisfaction.rate(
                ticket, rater=request.user, score=data["score"], comment=data["comment"]
            )
        except satisfaction.RatingRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Thank you for your rating!"))
            return redirect(ticket)
    context = _detail_context(request, ticket, rating_form=form)
    return render(request, "tickets/detail.html", context, status=400)


def _act_with_form(request, ticket, form, form_name, success_message, action):
    """Validate, act through the lifecycle, and on any refusal show the page again (400)
    with the form as typed: nothing the customer wrote is lost."""
    if form.is_valid():
        try:
            _refuse_if_changed(request, ticket)
            action(form.cleaned_data)
        except lifecycle.TransitionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, success_message)
            return redirect(ticket)
    context = _detail_context(request, ticket, **{form_name: form})
    return render(request, "tickets/detail.html", context, status=400)


def _refuse_if_changed(request, ticket):
    """Refuse an action taken on a page that showed an older status of the request."""
    # Otherwise a reply or a decision would answer what the customer has not seen (a new
    # question, another solution): the lifecycle's guard only covers the moment of the action.
    seen = request.POST.get("seen_status")
    if seen and seen != ticket.status:
        raise lifecycle.ConcurrentChange(lifecycle.concurrent_message(ticket))


def _run(request, ticket, action, success_message, **forms):
    """Act through the lifecycle; a refusal is the request page again with the reason (400),
    not a redirect that looks like success, and with what the customer typed."""
    try:
        _refuse_if_changed(request, ticket)
        action()
    except lifecycle.TransitionRefused as refusal:
        context = _detail_context(request, ticket, refusal=refusal.message, **forms)
        return render(request, "tickets/detail.html", context, status=400)
    messages.success(request, success_message)
    return redirect(ticket)


@login_required
def attachment_download(request, reference, attachment_id, filename=None):
    """Files only through here: access checked, never sniffed, never active content inline."""
    ticket = access.get_ticket_for_user(request.user, reference)
    attachment = access.get_attachment_for_user(request.user, ticket, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    inline = attachment.content_type in INLINE_CONTENT_TYPES
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response  # not cached anywhere: proftiket.middleware.PrivatePagesMiddleware
