import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from accounts.models import Organization, Role, User
from proftiket import __version__
from proftiket.demo import DEMO_CANNED_REPLIES, DEMO_PASSWORD, DEMO_USERS
from tickets.console.canned import unknown_placeholders
from tickets.models import CannedReply


@pytest.mark.django_db
def test_healthz_answers_ok_with_version(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "details": {"mailboxes_failing": 0},
    }


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


DEMO_LOGINS = [user.email for user in DEMO_USERS]


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_logins_work(client, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert Organization.objects.filter(name__in=["Alpha Telecom", "Beta Telecom"]).count() == 2
    roles = dict(User.objects.filter(email__in=DEMO_LOGINS).values_list("email", "role"))
    assert roles == {
        "client@alpha.demo": Role.CUSTOMER,
        "boss@alpha.demo": Role.CUSTOMER_MANAGER,
        "client@beta.demo": Role.CUSTOMER,
        "agent@proftiket.demo": Role.AGENT,
        "lead@proftiket.demo": Role.SUPERVISOR,
        "admin@proftiket.demo": Role.ADMINISTRATOR,
    }
    assert "boss@alpha.demo" in capsys.readouterr().out
    assert CannedReply.objects.count() == len(DEMO_CANNED_REPLIES)
    for reply in CannedReply.objects.all():
        assert unknown_placeholders(reply.body_ru + reply.body_en) == []
    for email in roles:
        response = client.post(
            reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, email
        client.post(reverse("accounts:logout"))


@pytest.mark.django_db
def test_seed_demo_refuses_in_production_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    call_command("seed_demo", "--force")
    assert User.objects.filter(email="client@alpha.demo").exists()


def test_production_responses_carry_security_headers(client, db):
    response = client.get(reverse("accounts:login"))
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
