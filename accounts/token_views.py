"""A customer manager's API tokens page: list, make (the token is shown once), revoke."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import tokens
from accounts.forms import ApiTokenForm
from accounts.models import ApiToken
from accounts.views import _require_customer_manager


@login_required
def api_tokens(request):
    """The organisation's tokens, and the form to make one."""
    _require_customer_manager(request.user)
    organization = request.user.organization
    form = ApiTokenForm(request.POST or None, organization=organization)
    raw = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = None
        if data["expires_on"]:
            # The end of the chosen day, in the installation's time zone.
            midnight = dt.datetime.combine(data["expires_on"] + dt.timedelta(days=1), dt.time())
            expires_at = timezone.make_aware(midnight)
        _token, raw = tokens.create_token(
            user=data["user"],
            name=data["name"],
            scope=data["scope"],
            expires_at=expires_at,
            created_by=request.user,
        )
        form = ApiTokenForm(organization=organization)
    context = {
        "form": form,
        "raw_token": raw,
        "tokens": tokens.organization_tokens(request.user.organization_id),
        "now": timezone.now(),
    }
    # Never cached (PrivatePagesMiddleware): the raw token is on this page only once.
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke(request, token_id):
    _require_customer_manager(request.user)
    token = get_object_or_404(ApiToken, pk=token_id, organization_id=request.user.organization_id)
    tokens.revoke(token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:api_tokens")
