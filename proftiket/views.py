from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from inbound.models import failing_mailboxes
from proftiket import __version__


@never_cache
def healthz(request):
    """200 with the version when the database answers, 503 otherwise (container healthcheck).

    Details that do not make the service unhealthy: the number of mailboxes whose polling
    fails (their names and errors are in the console, not on this public page).
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        failing = failing_mailboxes().count()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "unavailable", "version": __version__}, status=503)
    details = {"mailboxes_failing": failing}
    return JsonResponse({"status": "ok", "version": __version__, "details": details})


def home(request):
    """The portal home: staff go to the console, customers see their start page."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("tickets:list")


@login_required
def portal_home(request):
    """The portal as a start page ("View site" in the console): a customer's requests; for
    support staff, what the portal is and the ways into the console and the reports."""
    if not request.user.is_staff:
        return redirect("tickets:list")
    return render(request, "portal_home.html")
