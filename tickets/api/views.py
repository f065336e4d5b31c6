"""The answer for any address under /api/v1/ that is not an endpoint."""

from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from tickets.api.problems import problem_json


def not_found(request):
    detail = _("No such API endpoint. See /api/v1/docs/.")
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            detail = _("Addresses of the API end with a slash: %(path)s") % {
                "path": request.path + "/"
            }
    return problem_json(404, detail, code="not_found")
