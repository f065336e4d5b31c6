"""The error pages (handler400/403/404/500), made so that they cannot fail themselves.

Django's own handlers run the CSRF machinery and render templates that need the request's
context; when that is what failed (a body that cannot be parsed, a database that is gone),
the handler raised again and the WSGI server answered with its own bare 500. Here every
handler falls back to the standalone error page, and that to a fixed text.

A database that cannot be reached is not a bug: the visitor gets a 503 "temporarily
unavailable, try again in a minute" with `Retry-After`, not the 500 page.
"""

import logging
import sys

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import get_template
from django.views import defaults

logger = logging.getLogger(__name__)

# Seconds a visitor (or a client library) should wait before trying again after a 503.
RETRY_AFTER_SECONDS = 60

# The last resort when not even the standalone template renders: no template, no translation.
_PLAIN = (
    '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>ProfTicket</title></head>'
    '<body><h1>{status}</h1><p>{text}</p><p><a href="/">ProfTicket</a></p></body></html>'
)
_PLAIN_TEXT = {
    400: "Некорректный запрос. Bad request.",
    403: "Доступ запрещён. Access denied.",
    404: "Страница не найдена. Page not found.",
    405: "Метод не разрешён. Method not allowed.",
    413: "Слишком большой запрос. Request too large.",
    500: "Ошибка сервера. Server error.",
    503: "Сервис временно недоступен, повторите через минуту. "
    "Temporarily unavailable, try again in a minute.",
}


class InvalidInput(BadRequest):
    """A request the site refuses with a 400 page that says why (in the visitor's language)."""

    def __init__(self, message, *, detail=""):
        super().__init__(detail or str(message))
        self.user_message = message


def render_standalone(template_name: str, status: int, context: dict | None = None):
    """Render an error page that needs neither the request nor the database."""
    try:
        content = get_template(template_name).render(context or {})
    except Exception:  # the error page must never fail: fall back to fixed text
        logger.exception("error page %s could not be rendered", template_name)
        content = _PLAIN.format(status=status, text=_PLAIN_TEXT.get(status, ""))
    return HttpResponse(content, status=status, content_type="text/html; charset=utf-8")


def _robust(view, fallback_template, status, request, *args, **kwargs):
    try:
        return view(request, *args, **kwargs)
    except Exception:
        logger.exception("the %s handler failed; answering with the standalone page", status)
        return render_standalone(fallback_template, status)


def database_unavailable(exception: BaseException | None) -> bool:
    """Whether an exception (or one it was raised from) says the database cannot be used now."""
    seen = set()
    while exception is not None and id(exception) not in seen:
        if isinstance(exception, OperationalError | InterfaceError):
            return True
        seen.add(id(exception))
        exception = exception.__cause__ or exception.__context__
    return False


def unavailable_response():
    """503 with Retry-After: the database is down or restarting; nothing half-done was kept."""
    response = render_standalone("503.html", 503, {"retry_after": RETRY_AFTER_SECONDS})
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    """400, with the reason when the refusal has one for people (InvalidInput)."""
    message = getattr(exception, "user_message", None)
    if database_unavailable(exception):
        return unavailable_response()
    # The standalone layout only: what failed may be the request itself (its body, its
    # headers), so nothing that reads it again may run here.
    return render_standalone("400.html", 400, {"message": message})


def permission_denied(request, exception=None):
    return _robust(defaults.permission_denied, "errors/403_standalone.html", 403, request,
                   exception)  # fmt: skip


def page_not_found(request, exception=None):
    return _robust(defaults.page_not_found, "errors/404_standalone.html", 404, request,
                   exception)  # fmt: skip


def server_error(request):
    """500, or 503 when the cause is that the database cannot be reached."""
    if database_unavailable(sys.exc_info()[1]):
        logger.warning("database unavailable: answering 503 for %s", request.path)
        return unavailable_response()
    return render_standalone("500.html", 500)


def method_not_allowed(allowed: list[str]):
    """405 page with the Allow header, for a GET on an action URL or a method we never take."""
    response = render_standalone("405.html", 405)
    response["Allow"] = ", ".join(allowed)
    return response


def too_large(limit_text: str):
    """413 page: a body larger than the site accepts, refused before it is read."""
    return render_standalone("413.html", 413, {"limit": limit_text})
