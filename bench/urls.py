"""Benchmark URLconf: the application's URLs plus the floor view.

The floor is a bare Django view doing one indexed 25-row SELECT (the newest requests, a
backward scan of an index on created_at): whatever a page costs beyond it is the page's own.
The logged-in floor is the same view behind login: the difference is what every logged-in
request pays before and after its view (the session, the user, the middleware).
"""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from proftiket import urls as application_urls

FLOOR_SQL = (
    "SELECT id, subject, status, created_at FROM tickets_ticket ORDER BY created_at DESC LIMIT 25"
)


def floor(request):
    """One indexed 25-row SELECT, rendered as plain text."""
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        rows = cursor.fetchall()
    body = "\n".join(
        f"{pk}\t{status}\t{created:%Y-%m-%d %H:%M}\t{subject}"
        for pk, subject, status, created in rows
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/floor-auth/", login_required(floor), name="bench_floor_auth"),
    *application_urls.urlpatterns,
]

# Error handlers the application may define, kept as they are.
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(application_urls, _name):
        globals()[_name] = getattr(application_urls, _name)
