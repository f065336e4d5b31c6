"""Persistent database connections: one per process, replaced when the database dropped it."""

import io

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="terminates a PostgreSQL backend"
)


def test_production_keeps_connections_and_checks_them_before_use():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] >= 60
    assert database["CONN_HEALTH_CHECKS"] is True


def get(application, path: str) -> int:
    """One request through the WSGI application, as gunicorn makes it; the status code."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    status = []
    body = application(environ, lambda code, headers: status.append(code))
    b"".join(body)
    body.close()  # request_finished: the connection is kept, not closed
    return int(status[0].split()[0])


def terminate(backend_pid: int) -> None:
    """What a database restart or an administrator does to an idle connection."""
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("health_checks", "status"), [(True, 200), (False, 503)])
def test_a_request_after_the_database_dropped_the_kept_connection(health_checks, status):
    application = WSGIHandler()
    saved = dict(connection.settings_dict)
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=health_checks)
    connection.close()
    try:
        assert get(application, "/healthz") == 200
        kept = connection.connection.info.backend_pid  # still open after the request
        terminate(kept)

        assert get(application, "/healthz") == status
        if health_checks:
            assert connection.connection.info.backend_pid != kept
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
