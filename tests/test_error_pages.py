"""Error pages with DEBUG off (as in the test settings): in the portal's layout and language."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.template.loader import get_template
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext

from proftiket.urls import handler400, handler403, handler404, handler500  # noqa: F401
from tests.factories import TicketFactory

COLLEAGUES = reverse("accounts:colleagues")


def russian(text: str) -> str:
    with translation.override("ru"):
        return gettext(text)


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


def _server_error(request):
    raise RuntimeError("a bug")


def _bad_request(request):
    raise SuspiciousOperation("a forged request")


def _not_found(request):
    raise Http404


# A URLconf of this module (with the site's error handlers), for views that fail on purpose.
urlpatterns = [path("boom/", _server_error), path("bad/", _bad_request), path("gone/", _not_found)]


@pytest.fixture
def failing_views(settings, client):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    return client


def test_debug_is_off_in_the_tests(settings):
    assert settings.DEBUG is False


@pytest.mark.django_db
class TestNotFound:
    def test_someone_elses_request_is_a_404_in_the_portal_layout_in_russian(
        self, client, customer, other_org_customer
    ):
        ticket = TicketFactory(requester=other_org_customer)
        client.force_login(customer)
        response = client.get(ticket.get_absolute_url())
        assert response.status_code == 404
        assert template_names(response)[:2] == ["404.html", "base.html"]
        page = response.content.decode()
        assert '<html lang="ru">' in page
        assert russian("Page not found") in page
        explanation = "The page or request does not exist, or you do not have access to it."
        assert russian(explanation) in page
        assert f'href="{reverse("home")}"' in page
        assert 'class="topbar"' in page  # the portal's header, with the customer's menu
        assert reverse("tickets:list") in page
        assert ticket.subject not in page

    def test_the_owner_sees_the_same_request(self, client, other_org_customer):
        ticket = TicketFactory(requester=other_org_customer)
        client.force_login(other_org_customer)
        assert client.get(ticket.get_absolute_url()).status_code == 200

    def test_an_anonymous_visitor_gets_the_page_too(self, client):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "404.html" in template_names(response)
        assert russian("Page not found") in response.content.decode()

    def test_the_page_follows_the_users_language(self, client, customer):
        customer.language = "en"
        customer.save()
        client.force_login(customer)
        response = client.get("/tickets/PT-999999/")
        assert response.status_code == 404
        page = response.content.decode()
        assert '<html lang="en">' in page
        assert "Page not found" in page


@pytest.mark.django_db
class TestForbidden:
    def test_a_plain_customer_gets_a_403_page_in_the_portal_layout(self, client, customer):
        client.force_login(customer)
        response = client.get(COLLEAGUES)
        assert response.status_code == 403
        assert template_names(response)[:2] == ["403.html", "base.html"]
        page = response.content.decode()
        assert russian("Access denied") in page
        assert f'href="{reverse("home")}"' in page
        assert 'class="topbar"' in page

    def test_a_customer_manager_is_let_in(self, client, customer_manager):
        client.force_login(customer_manager)
        assert client.get(COLLEAGUES).status_code == 200


class TestServerError:
    def test_the_500_template_renders_with_an_empty_context(self):
        with translation.override("ru"):
            page = get_template("500.html").render({})
        assert '<html lang="ru">' in page
        assert russian("Something went wrong on our side") in page
        assert 'href="/"' in page
        assert "css/portal.css" in page
        assert "{%" not in page and "{{" not in page

    def test_the_500_template_does_not_extend_the_portal_layout(self):
        # Its only parent is the standalone error layout, which extends nothing.
        assert '{% extends "errors/standalone.html" %}' in get_template("500.html").template.source
        assert "extends" not in get_template("errors/standalone.html").template.source

    @pytest.mark.django_db
    def test_a_failing_view_answers_with_the_500_page(self, failing_views):
        response = failing_views.get("/boom/")
        assert response.status_code == 500
        assert russian("Something went wrong on our side") in response.content.decode()
        # No inline style or script: the page keeps working under the strict CSP.
        assert "<style" not in response.content.decode()
        assert "style=" not in response.content.decode()
        assert "<script" not in response.content.decode()


class TestBadRequest:
    def test_the_400_template_renders_with_an_empty_context(self):
        with translation.override("ru"):
            page = get_template("400.html").render({})
        assert russian("Bad request") in page
        assert 'href="/"' in page

    @pytest.mark.django_db
    def test_a_suspicious_request_answers_with_the_400_page(self, failing_views):
        response = failing_views.get("/bad/")
        assert response.status_code == 400
        assert russian("Bad request") in response.content.decode()


class TestHandlersCannotFail:
    @pytest.mark.django_db
    def test_the_404_page_falls_back_to_the_standalone_layout_when_the_portal_layout_fails(
        self, failing_views, monkeypatch
    ):
        def broken(*args, **kwargs):
            raise RuntimeError("the portal layout failed")

        monkeypatch.setattr("django.views.defaults.page_not_found", broken)
        response = failing_views.get("/gone/")
        assert response.status_code == 404
        assert russian("Page not found") in response.content.decode()

    def test_the_standalone_page_falls_back_to_fixed_text_when_templates_fail(self, monkeypatch):
        from proftiket import errors

        def broken(name):
            raise RuntimeError("no templates")

        monkeypatch.setattr(errors, "get_template", broken)
        response = errors.server_error(None)
        assert response.status_code == 500
        assert "Ошибка сервера" in response.content.decode()
