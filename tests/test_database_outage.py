"""While the database cannot be reached, pages answer 503 "try again in a minute", not 500."""

import socket
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import path, reverse

from proftiket.errors import RETRY_AFTER_SECONDS
from proftiket.urls import handler400, handler403, handler404, handler500  # noqa: F401

LIST = reverse("tickets:list")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stops a PostgreSQL server connection for real"
)


def _database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


# This module is the URLconf of the tests that fail on purpose (with the site's handlers).
urlpatterns = [path("gone/", _database_gone)]


def assert_unavailable_page(response, *, language="ru"):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    if language == "ru":
        assert "Временно недоступно" in page
        assert "Всё, что вы отправили раньше, сохранено" in page
    else:
        assert "Temporarily unavailable" in page
        assert "Nothing you sent before has been lost" in page
    assert "<script" not in page


@pytest.mark.django_db
def test_a_database_error_in_a_view_is_a_503_page_not_a_500(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    assert_unavailable_page(client.get("/gone/"))
    assert_unavailable_page(client.get("/gone/", HTTP_ACCEPT_LANGUAGE="en"), language="en")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database_refusing_connections():
    """Point the connection at a port where nothing listens, as while PostgreSQL restarts."""
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(_free_port())
    try:
        yield
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved


def terminate_own_connection():
    """What a PostgreSQL restart does to an open connection: the server ends it."""
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@postgresql_only
@pytest.mark.django_db(transaction=True)
class TestRealOutage:
    def test_pages_answer_503_while_the_database_refuses_connections(self, customer):
        client = Client(raise_request_exception=False)
        client.force_login(customer)
        with database_refusing_connections():
            assert_unavailable_page(client.get(LIST))
            assert_unavailable_page(client.get(reverse("accounts:login")))
            # A form posted meanwhile gets the same answer, not a 500.
            response = client.post(reverse("tickets:new"), {"subject": "x"})
            assert_unavailable_page(response)
        assert client.get(LIST).status_code == 200  # and the site is back with the database

    def test_healthz_stays_a_json_503(self):
        client = Client(raise_request_exception=False)
        with database_refusing_connections():
            response = client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"

    def test_a_connection_ended_by_the_server_is_a_503_then_the_next_request_works(self, customer):
        client = Client(raise_request_exception=False)
        client.force_login(customer)
        assert client.get(LIST).status_code == 200
        terminate_own_connection()
        assert_unavailable_page(client.get(LIST))
        # In production Django drops an unusable connection at the end of the request; the
        # test client does not send those signals, so do what they do.
        connection.close_if_unusable_or_obsolete()
        assert client.get(LIST).status_code == 200
