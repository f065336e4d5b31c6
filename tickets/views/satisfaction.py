"""Rating a closed request: from the one-click links of the closing e-mail, or its page.

A link's GET only shows what it will record (a mail scanner that opens every link rates
nothing); the POST records. The signed token is the authority, so no login is needed; a
forged, expired or used link gets a page saying so, never an error.
"""

from contextlib import nullcontext

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache

from proftiket import errors
from tickets import satisfaction
from tickets.forms import RatingForm


@never_cache
def rate_by_link(request, token, score):
    """The page of a rating link: confirm (GET), then record (POST)."""
    if request.method not in ("GET", "HEAD", "POST"):
        return errors.method_not_allowed(["GET", "POST"])
    try:
        ticket = satisfaction.ticket_of_link(token)
        satisfaction.check_open_to_rating(ticket)
    except satisfaction.RatingRefused as refusal:
        return _refused(request, refusal)
    if request.method != "POST":
        initial = {"score": score} if score in satisfaction.SCORES else {}
        return _page(request, ticket, RatingForm(initial=initial))
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, form, status=400)
    try:
        satisfaction.rate(
            ticket,
            rater=ticket.requester,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except satisfaction.RatingRefused as refusal:
        return _refused(request, refusal)
    with _language_of(request, ticket):
        return render(request, "tickets/rating/thanks.html", {"ticket": ticket})


def _page(request, ticket, form, *, status=200):
    context = {"ticket": ticket, "form": form, "action": request.path}
    with _language_of(request, ticket):
        return render(request, "tickets/rating/confirm.html", context, status=status)


def _language_of(request, ticket):
    """Someone not logged in who opens the link is the requester: their language."""
    if request.user.is_authenticated:
        return nullcontext()
    return translation.override(ticket.requester.language)


def _refused(request, refusal):
    context = {"message": refusal.message}
    return render(request, "tickets/rating/refused.html", context, status=refusal.status)
