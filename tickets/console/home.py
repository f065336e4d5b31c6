"""The console's index page: the engineer's own work, and for supervisors everybody's.

Each figure is a count linking to the queue filtered to exactly those requests; all of them
come from one grouped query (tickets.workload), whatever the number of requests.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import workload
from tickets.console.filters import EngineerFilter, SlaFilter, StatusFilter


def queue_url(**params) -> str:
    return f"{reverse('admin:tickets_ticket_changelist')}?{urlencode(params)}"


def _links(engineer: str | int | None) -> dict:
    """Queue links for one row of counts (engineer: "me", "none", a pk, or None for all)."""
    who = {} if engineer is None else {EngineerFilter.parameter_name: engineer}
    return {
        "open": queue_url(**who),
        "at_risk": queue_url(**who, **{SlaFilter.parameter_name: SlaFilter.AT_RISK}),
        "breached": queue_url(**who, **{SlaFilter.parameter_name: SlaFilter.BREACHED}),
        "waiting": queue_url(
            **who,
            status=StatusFilter.OPEN,
            waiting_days=workload.WAITING_DAYS,
        ),
    }


def index(request, extra_context=None):
    """The agent's home: counts of their work linking to the queue; for supervisors the same
    per engineer. Also the admin's list of sections, for everything else."""
    user = request.user
    supervises = user.has_perm("tickets.assign_others")
    now = timezone.now()
    rows = workload.open_work(now=now, engineer_ids=None if supervises else [user.pk])
    mine = next((r for r in rows if r.engineer_id == user.pk), workload.Workload(user.pk, ""))
    unassigned = next((r for r in rows if r.engineer_id is None), workload.Workload(None, ""))
    everyone = workload.total(rows)
    scope = everyone if supervises else mine
    scope_links = _links(None if supervises else EngineerFilter.ME)
    tiles = [
        (_("My open requests"), mine.open, _links(EngineerFilter.ME)["open"], "mine"),
        (_("Not assigned"), unassigned.open, _links(EngineerFilter.NOBODY)["open"], "unassigned"),
        (_("At risk"), scope.at_risk, scope_links["at_risk"], "at-risk"),
        (_("Breached"), scope.breached, scope_links["breached"], "breached"),
        (_("Waiting for the customer"), scope.waiting, scope_links["waiting"], "waiting"),
    ]
    chrome = admin.site.each_context(request)
    context = {
        **chrome,
        "title": admin.site.index_title,
        "subtitle": None,
        "app_list": chrome["available_apps"],
        "tiles": tiles,
        "tiles_scope": _("all engineers") if supervises else _("yours"),
        "waiting_days": workload.WAITING_DAYS,
        "per_engineer": [(row, _links(row.engineer_id or EngineerFilter.NOBODY)) for row in rows]
        if supervises
        else None,
        "total": (everyone, _links(None)),
        **(extra_context or {}),
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/console_home.html", context)
