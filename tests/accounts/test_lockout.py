"""Failed logins: per (e-mail, address) by django-axes, and per account from all addresses."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import text_body
from tests.factories import PASSWORD

LOGIN = reverse("accounts:login")


def login(client, email, password, address):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def small_limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.ACCOUNT_LOCKOUT_FAILURES = 6
    settings.ACCOUNT_LOCKOUT_HOURS = 24


def guess_from_many_addresses(client, email, failures):
    # Two failures per address: each (e-mail, address) pair stays far below axes' limit. The
    # failure that reaches the account's limit is itself answered with the lockout page.
    statuses = [login(client, email, "wrong", f"198.51.100.{n // 2 + 1}").status_code
                for n in range(failures)]  # fmt: skip
    assert set(statuses[:-1]) == {200}


@pytest.mark.django_db
@pytest.mark.usefixtures("small_limits")
class TestAccountLockout:
    def test_a_guess_spread_over_many_addresses_locks_the_account_everywhere(
        self, client, customer
    ):
        # Before: every address got its own five tries, so a distributed guess was unlimited.
        guess_from_many_addresses(client, customer.email, 6)
        response = login(client, customer.email, PASSWORD, "203.0.113.50")  # a fresh address
        assert response.status_code == 429
        page = response.content.decode()
        assert "из разных мест" in page
        assert "_auth_user_id" not in client.session

    def test_below_the_limit_the_owner_logs_in_and_the_count_starts_again(self, client, customer):
        guess_from_many_addresses(client, customer.email, 5)
        assert login(client, customer.email, PASSWORD, "203.0.113.50").status_code == 302
        client.logout()
        guess_from_many_addresses(client, customer.email, 5)
        assert login(client, customer.email, PASSWORD, "203.0.113.50").status_code == 302

    def test_another_account_is_not_affected(self, client, customer, colleague):
        guess_from_many_addresses(client, customer.email, 6)
        assert login(client, colleague.email, PASSWORD, "198.51.100.1").status_code == 302

    def test_the_lock_ends_with_its_window(self, client, customer):
        start = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(start, tick=False):
            guess_from_many_addresses(client, customer.email, 6)
        with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
            assert login(client, customer.email, PASSWORD, "203.0.113.50").status_code == 429
        with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
            assert login(client, customer.email, PASSWORD, "203.0.113.50").status_code == 302

    def test_a_new_password_through_the_mailed_link_lifts_the_lock(
        self, client, customer, smtp_server
    ):
        guess_from_many_addresses(client, customer.email, 6)
        client.post(reverse("accounts:password_reset"), {"email": customer.email})
        link = re.search(r"http://testserver(/account/password/reset/\S+/)",
                         text_body(smtp_server.to(customer.email)[0]))[1]  # fmt: skip
        form_url = client.get(link, follow=True).redirect_chain[-1][0]
        new = "A-brand-new-pass-77"
        client.post(form_url, {"new_password1": new, "new_password2": new})
        assert login(client, customer.email, new, "203.0.113.50").status_code == 302
