"""Login-related pages, the profile, the language switch and a manager's colleagues page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import lockout, services
from accounts.forms import InviteColleagueForm, ProfileForm
from accounts.models import User
from proftiket.http import client_ip


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(request.user.language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        _set_language_cookie(response, request.user.language)
        return response
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            User.objects.filter(pk=request.user.pk).update(language=language)
        _set_language_cookie(response, language)
    return response


def _set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _require_customer_manager(user):
    if not user.is_customer_manager:
        raise PermissionDenied


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Ask for a reset link: limited per address and per network address, and only queued, so
    an existing and an unknown address get the same answer in the same time."""

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        address = client_ip(self.request) or "unknown"
        refusal = services.password_reset_refusal(email=email, client_ip=address)
        if refusal:
            form.add_error(None, refusal)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        services.queue_password_reset(email=email)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password set through the mailed link also lifts a lockout of the account."""

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.forget_failures(form.user.get_username())
        return response


@login_required
def colleagues(request):
    """A customer manager's list of their organisation's users, with the invitation form."""
    _require_customer_manager(request.user)
    organization = request.user.organization
    form = InviteColleagueForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        services.invite_colleague(manager=request.user, **form.cleaned_data)
        # The same answer whether or not the address has an account elsewhere.
        email = form.cleaned_data["email"]
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
        return redirect("accounts:colleagues")
    return _colleagues_page(request, form)


def _colleagues_page(request, form, *, refusal=None, status=200):
    users = (
        User.objects.filter(organization_id=request.user.organization_id)
        .select_related("deactivated_by")
        .order_by("-is_active", "full_name")
    )
    context = {"form": form, "users": users, "refusal": refusal}
    return render(request, "accounts/colleagues.html", context, status=status)


@login_required
@require_POST
def colleague_set_active(request, user_id, active):
    _require_customer_manager(request.user)
    # Anyone outside the manager's organisation is "not found", whether they exist or not.
    user = get_object_or_404(User, pk=user_id, organization_id=request.user.organization_id)
    try:
        services.set_user_active(user, active=active, acting_user=request.user)
    except PermissionDenied as refusal:
        reason = str(refusal) or _("You cannot change this user.")
        form = InviteColleagueForm(organization=request.user.organization)
        return _colleagues_page(request, form, refusal=reason, status=403)
    text = _("%(name)s can log in again.") if active else _("%(name)s has been deactivated.")
    messages.success(request, text % {"name": user.full_name})
    return redirect(reverse("accounts:colleagues"))
