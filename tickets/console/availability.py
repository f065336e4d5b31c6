"""An agent marks themselves available or away (the switch in the console's header).

Automatic assignment (tickets.lifecycle.assignment) gives new requests only to agents who
are available and within the plan's support hours.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.services import set_availability
from proftiket import errors


def toggle(request):
    """POST available=1 or 0; back to the page it was sent from (a console page)."""
    if request.method != "POST":
        return errors.method_not_allowed(["POST"])
    available = request.POST.get("available") == "1"
    set_availability(request.user, available=available)
    if available:
        messages.success(request, _("You are available: new requests can be assigned to you."))
    else:
        messages.success(request, _("You are away: no new request is assigned to you."))
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    return redirect(back if safe and back.startswith("/admin/") else reverse("console_home"))
