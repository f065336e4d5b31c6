"""accounts.sessions: Django's database sessions, read with SQL composed once per process."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.sessions import SessionStore

# A page behind login that reads nothing itself (@pytest.mark.urls(__name__) below).
urlpatterns = [path("private/", login_required(lambda request: HttpResponse("ok")))]


@pytest.mark.django_db
class TestTheSessionStore:
    def test_it_is_the_sites_session_engine(self):
        assert settings.SESSION_ENGINE == "accounts.sessions"

    def test_what_is_saved_is_read_back_in_one_query(self, django_assert_num_queries):
        saved = SessionStore()
        saved["answer"] = {"text": "Привет", "count": 42}
        saved.save()
        with django_assert_num_queries(1):
            read = SessionStore(saved.session_key)
            assert read["answer"] == {"text": "Привет", "count": 42}
        assert read.session_key == saved.session_key

    def test_an_expired_session_is_not_read_and_gets_a_new_key(self):
        saved = SessionStore()
        saved["answer"] = 42
        saved.save()
        Session.objects.filter(session_key=saved.session_key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        read = SessionStore(saved.session_key)
        assert "answer" not in read
        assert read.session_key is None

    def test_an_unknown_key_reads_an_empty_session(self):
        read = SessionStore("x" * 32)
        assert dict(read.items()) == {} and read.session_key is None

    def test_a_tampered_session_reads_empty(self):
        saved = SessionStore()
        saved["user"] = 1
        saved.save()
        row = Session.objects.get(session_key=saved.session_key)
        row.session_data = row.session_data[:-2] + "xx"
        row.save()
        assert "user" not in SessionStore(saved.session_key)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_logged_in_request_costs_two_queries_besides_its_view(
    client, customer, django_assert_num_queries
):
    client.force_login(customer)
    with django_assert_num_queries(2):  # the session, the user with their permissions
        response = client.get("/private/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
class TestLoggedInRequests:
    def test_an_expired_session_is_logged_out(self, client, customer):
        client.force_login(customer)
        url = reverse("tickets:list")
        assert client.get(url).status_code == 200
        Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]

    def test_a_user_deactivated_since_logging_in_is_logged_out(self, client, customer):
        client.force_login(customer)
        url = reverse("tickets:list")
        assert client.get(url).status_code == 200
        customer.is_active = False
        customer.save()
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]

    def test_a_password_change_elsewhere_logs_the_session_out(self, client, customer):
        client.force_login(customer)
        url = reverse("tickets:list")
        assert client.get(url).status_code == 200
        customer.set_password("an-entirely-new-passphrase-42")
        customer.save()
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
