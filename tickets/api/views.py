"""The answer for any address under /api/v1/ that is not an endpoint."""

from django.utils.translation import gettext as _

from tickets.api.problems import problem_json


def not_found(request):
    return problem_json(404, _("No such API endpoint. See /api/v1/docs/."), code="not_found")
