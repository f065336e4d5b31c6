"""Errors as RFC 9457 problem details (application/problem+json), in the caller's language."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from tickets import lifecycle

CONTENT_TYPE = "application/problem+json"


def _titles() -> dict[int, str]:
    return {
        400: _("The request is not valid"),
        401: _("Authentication needed"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Refused in the request's current state"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        422: _("Idempotency-Key reused with different content"),
        429: _("Too many requests"),
        503: _("Temporarily unavailable"),
    }


def problem(status_code: int, detail: str, *, code: str, errors=None, headers=None) -> Response:
    """A problem-details answer; `errors` maps fields to their messages."""
    body = {
        "type": "about:blank",
        "title": _titles().get(status_code, _("Error")),
        "status": status_code,
        "detail": str(detail),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type=CONTENT_TYPE, headers=headers)


def problem_json(status_code: int, detail: str, *, code: str) -> JsonResponse:
    """The same outside a DRF view (an unknown /api/ address, the request-size middleware)."""
    body = {
        "type": "about:blank",
        "title": _titles().get(status_code, _("Error")),
        "status": status_code,
        "detail": str(detail),
        "code": code,
    }
    return JsonResponse(body, status=status_code, content_type=CONTENT_TYPE)


class Refused(exceptions.APIException):
    """The lifecycle refused the action: 409, with its reason."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"


def refused(refusal: lifecycle.TransitionRefused) -> Refused:
    if isinstance(refusal, lifecycle.NoContract):
        error = exceptions.PermissionDenied(refusal.message, code="no_contract")
        return error
    code = "changed_meanwhile" if isinstance(refusal, lifecycle.ConcurrentChange) else "refused"
    return Refused(refusal.message, code=code)


def _flatten(detail):
    if isinstance(detail, dict):
        return {
            key: [str(item) for item in value] if isinstance(value, list) else [str(value)]
            for key, value in detail.items()
        }
    return None


def exception_handler(exc, context):
    """DRF's exception handler, answering with problem details for everything it knows."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("No such request, or not yours to see."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, lifecycle.TransitionRefused):
        exc = refused(exc)
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 (logged)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()
    detail = exc.detail
    errors = _flatten(detail)
    if errors is not None:
        text = _("Some fields are not valid.")
    elif isinstance(detail, list):
        text = " ".join(str(item) for item in detail)
    else:
        text = str(detail)
    code = exc.get_codes() if not isinstance(detail, dict | list) else exc.default_code
    if isinstance(exc, exceptions.Throttled):
        text = _("Too many requests with this token. Try again in %(s)d s.") % {
            "s": int(exc.wait or 1)
        }
    return problem(exc.status_code, text, code=str(code), errors=errors, headers=headers)
