"""Proxy headers are believed only behind a configured proxy (proftiket.http, settings)."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from proftiket.http import client_ip
from tests.factories import PASSWORD

LOGIN = reverse("accounts:login")


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


class TestClientAddress:
    def test_without_a_proxy_a_forwarded_header_is_ignored(self, settings):
        settings.PROXY_COUNT = 0
        assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"

    def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote(self, settings):
        settings.PROXY_COUNT = 1
        # The client forged the first entry; the proxy appended the real one.
        assert client_ip(request_from("10.0.0.2", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"

    def test_behind_two_proxies(self, settings):
        settings.PROXY_COUNT = 2
        forwarded = "1.2.3.4, 203.0.113.7, 10.0.0.9"
        assert client_ip(request_from("10.0.0.2", forwarded)) == "203.0.113.7"

    @pytest.mark.parametrize("forwarded", ["", "not-an-address", "203.0.113.7:80"])
    def test_a_missing_or_malformed_header_falls_back_to_the_peer(self, settings, forwarded):
        settings.PROXY_COUNT = 1
        assert client_ip(request_from("10.0.0.2", forwarded)) == "10.0.0.2"


@pytest.mark.django_db
class TestBehindAProxy:
    def test_a_forged_https_header_does_not_skip_the_redirect_without_a_proxy(
        self, client, settings
    ):
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_PROXY_SSL_HEADER = None
        response = client.get(LOGIN, HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 301
        assert response["Location"].startswith("https://")

    def test_behind_the_proxy_its_https_header_is_believed(self, client, settings):
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        assert client.get(LOGIN, HTTP_X_FORWARDED_PROTO="https").status_code == 200

    def test_one_visitors_failures_do_not_lock_out_another_behind_the_same_proxy(
        self, client, settings, customer
    ):
        # Before: everyone had the proxy's address, so (e-mail, address) was shared by all.
        settings.PROXY_COUNT = 1
        proxy = {"REMOTE_ADDR": "10.0.0.2"}
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(LOGIN, {"username": customer.email, "password": "wrong"},
                        HTTP_X_FORWARDED_FOR="198.51.100.66", **proxy)  # fmt: skip
        attacker = client.post(LOGIN, {"username": customer.email, "password": PASSWORD},
                               HTTP_X_FORWARDED_FOR="198.51.100.66", **proxy)  # fmt: skip
        assert attacker.status_code == 429
        owner = client.post(LOGIN, {"username": customer.email, "password": PASSWORD},
                            HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)  # fmt: skip
        assert owner.status_code == 302
