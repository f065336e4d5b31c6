"""Request hygiene for the whole site, in one place instead of in every view.

Before any view (or the CSRF check) looks at a request, it is refused with a clear page when
- its method is one the site never takes (TRACE and the like): 405;
- its declared size is over what a message with the most attachments can be: 413 at once,
  before the body is read;
- its form body cannot be read (a charset other than UTF-8, a broken multipart body, too
  many fields or files) or ended early (a connection dropped inside an upload): 400, and
  nothing of it reaches a view, so nothing is half-created;
- its address, query string, form values, cookies or headers hold control
  characters (a NUL byte, which PostgreSQL cannot store, and the like): 400.
"""

import re

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFilesSent,
)
from django.db import DatabaseError
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from proftiket import errors

ALLOWED_METHODS = ["GET", "HEAD", "POST"]
# C0 control characters and DEL, except tab, line feed and carriage return (typed text).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RequestInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")
        if request.method not in ALLOWED_METHODS:
            if api:
                return _api_problem(405, _("This method is not used by the API."), "method")
            return errors.method_not_allowed(ALLOWED_METHODS)
        if declared_length(request) > settings.REQUEST_MAX_BYTES:
            limit = filesizeformat(settings.REQUEST_MAX_BYTES)
            if api:
                detail = _("The request is larger than %(limit)s.") % {"limit": limit}
                return _api_problem(413, detail, "too_large")
            return errors.too_large(limit)
        try:
            read_form_body(request)
            refuse_control_characters(request)
        except RequestDataTooBig:
            return errors.too_large(filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        except errors.InvalidInput as refusal:
            if api:
                return _api_problem(400, refusal.user_message, "invalid_input")
            raise
        return self.get_response(request)


def _api_problem(status: int, detail, code: str):
    """The API's clients read problem documents (RFC 9457), not HTML pages."""
    from tickets.api.problems import problem_json

    response = problem_json(status, detail, code=code)
    if status == 405:
        response["Allow"] = ", ".join(ALLOWED_METHODS)
    return response


def declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class _MultipartEndWatch:
    """Passes a multipart body through and notes whether its closing delimiter went by.

    A body that ends before `--boundary--` was cut off (the connection dropped, or the client
    sent half of it): Django's parser would keep the fields it got and silently drop the file
    it was reading, and the form would look valid without its attachment.
    """

    def __init__(self, stream, boundary: bytes):
        self._stream = stream
        self._delimiter = b"--" + boundary + b"--"
        self._tail = b""
        self.complete = False

    def _watch(self, data: bytes) -> bytes:
        if data and not self.complete:
            window = self._tail + data
            self.complete = self._delimiter in window
            self._tail = window[-(len(self._delimiter) - 1) :]
        return data

    def read(self, *args, **kwargs):
        return self._watch(self._stream.read(*args, **kwargs))

    def readline(self, *args, **kwargs):
        return self._watch(self._stream.readline(*args, **kwargs))


def read_form_body(request) -> None:
    """Parse a POSTed form now, turning every way it can be unreadable into a 400."""
    if request.method != "POST":
        return
    watch = None
    boundary = request.content_params.get("boundary", "")
    if request.content_type == "multipart/form-data" and boundary and hasattr(request, "_stream"):
        watch = request._stream = _MultipartEndWatch(
            request._stream, boundary.encode("ascii", "replace")
        )
    try:
        request.POST  # noqa: B018  (parses the body, files included)
    except RequestDataTooBig:
        request._mark_post_parse_error()
        raise
    except TooManyFilesSent as error:
        request._mark_post_parse_error()
        count = settings.ATTACHMENT_MAX_FILES
        raise errors.InvalidInput(
            ngettext(
                "Too many files in one message: attach at most %(count)d.",
                "Too many files in one message: attach at most %(count)d.",
                count,
            )
            % {"count": count},
            detail=str(error),
        ) from error
    except (
        BadRequest,
        SuspiciousOperation,
        MultiPartParserError,
        UnicodeError,
        ValueError,
    ) as error:
        request._mark_post_parse_error()
        raise errors.InvalidInput(
            _("The form data could not be read (it is not in the encoding the site expects)."),
            detail=str(error),
        ) from error
    if watch is not None and not watch.complete:
        request.close()  # the temporary files of what did arrive
        request._mark_post_parse_error()
        raise errors.InvalidInput(
            _(
                "The form did not arrive completely: the connection was interrupted during "
                "the upload. Nothing has been saved; send the form again."
            ),
            detail="multipart body ended before its closing delimiter",
        )


def _texts(request):
    yield request.path
    for data in (request.GET, request.POST):
        for key, values in data.lists():
            yield key
            yield from values
    for key, value in request.COOKIES.items():
        yield key
        yield value
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str):
            yield value


def refuse_control_characters(request) -> None:
    # One search over all the texts joined by a line feed (itself allowed): every request
    # passes here, and one search costs a fraction of one per header, cookie and field.
    if CONTROL_CHARACTERS.search("\n".join(_texts(request))):
        raise errors.InvalidInput(
            _(
                "The request contains control characters (such as a NUL byte) that no "
                "address or form field may hold. Remove them and try again."
            ),
            detail="control characters in the request",
        )


class PrivatePagesMiddleware:
    """Nothing shown to a logged-in user is kept by a shared cache or on the browser's disk.

    Every response to a logged-in user (pages, reports and their CSV, attachments) gets
    `Cache-Control: private, no-store`: a request's text, a report or a customer's file must
    not stay in a proxy or in the cache of a shared computer after logging out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _logged_in(request):
            response["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        return response


def _logged_in(request) -> bool:
    try:
        return request.user.is_authenticated
    except DatabaseError:
        return True  # cannot tell while the database is away: treat the answer as private
