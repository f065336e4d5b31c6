import re

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.module_loading import import_string

from accounts.models import Role
from tests.conftest import text_body
from tests.factories import PASSWORD, OrganizationFactory, UserFactory

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")


def login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


@pytest.mark.django_db
class TestLogin:
    def test_customer_logs_in_by_email_in_any_letter_case(self, client, customer):
        response = login(client, customer.email.upper())
        assert response.status_code == 302
        assert response.url == reverse("home")
        assert client.get(reverse("home")).url == reverse("tickets:list")
        assert client.get(reverse("tickets:list")).context["user"] == customer

    def test_wrong_password_shows_an_error_in_russian(self, client, customer):
        response = login(client, customer.email, "nope")
        assert response.status_code == 200
        assert "Неверный e-mail или пароль" in response.content.decode()

    def test_deactivated_user_cannot_log_in(self, client, customer):
        customer.is_active = False
        customer.save()
        assert login(client, customer.email).status_code == 200
        assert "_auth_user_id" not in client.session

    def test_user_of_deactivated_organisation_cannot_log_in(self, client, customer):
        customer.organization.is_active = False
        customer.organization.save()
        assert login(client, customer.email).status_code == 200
        assert "_auth_user_id" not in client.session

    def test_session_ends_when_user_is_deactivated_later(self, client, customer):
        client.force_login(customer)
        customer.is_active = False
        customer.save()
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)

    def test_logout_requires_post(self, client, customer):
        client.force_login(customer)
        assert client.get(reverse("accounts:logout")).status_code == 405
        response = client.post(reverse("accounts:logout"))
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session

    def test_repeated_failures_lock_the_account_out_with_a_clear_message(
        self, client, customer, settings
    ):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, customer.email, "wrong")
        response = login(client, customer.email)  # even the right password is refused now
        assert response.status_code == 429
        assert "Слишком много неудачных попыток" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_256_to_320_character_email_is_refused_normally_and_still_counted(
        self, client, settings, db
    ):
        # axes keeps 255 characters: on PostgreSQL the failure record overflowed (a 500).
        email = "a" * 300 + "@alpha.test"
        response = login(client, email, "wrong")
        assert response.status_code == 200
        assert "Неверный e-mail или пароль" in response.content.decode()
        [attempt] = AccessAttempt.objects.all()
        assert attempt.username == email[:255]
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            login(client, email, "wrong")
        assert login(client, email, "wrong").status_code == 429

    def test_lockout_of_one_email_does_not_lock_another(
        self, client, customer, colleague, settings
    ):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, customer.email, "wrong")
        assert login(client, colleague.email).status_code == 302

    def test_staff_user_is_sent_to_the_console(self, client, agent):
        login(client, agent.email)
        assert client.get(reverse("home")).url == reverse("admin:index")

    def test_anonymous_home_redirects_to_login(self, client):
        assert client.get(reverse("home")).url == LOGIN


@pytest.mark.django_db
class TestPasswordReset:
    def test_reset_mail_goes_through_smtp_and_its_link_sets_a_new_password(
        self, client, customer, smtp_server
    ):
        response = client.post(reverse("accounts:password_reset"), {"email": customer.email})
        assert response.status_code == 302
        [message] = smtp_server.to(customer.email)
        assert "новый пароль" in message["Subject"]
        link = re.search(r"http://testserver(/account/password/reset/\S+/)", text_body(message))
        response = client.get(link.group(1), follow=True)
        assert response.status_code == 200
        form_url = response.redirect_chain[-1][0]
        response = client.post(
            form_url, {"new_password1": "A-new-long-pass-42", "new_password2": "A-new-long-pass-42"}
        )
        assert response.status_code == 302
        assert login(client, customer.email, "A-new-long-pass-42").status_code == 302

    def test_the_link_is_built_from_site_url_never_from_the_host_header(
        self, client, customer, smtp_server, settings
    ):
        # A Host with another port (allowed: ALLOWED_HOSTS ignores ports) made a link to it.
        settings.SITE_URL = "https://support.example.test"
        client.post(RESET, {"email": customer.email}, HTTP_HOST="testserver:8443")
        body = text_body(smtp_server.to(customer.email)[0])
        assert "https://support.example.test/account/password/reset/" in body
        assert "testserver" not in body

    def test_known_and_unknown_addresses_do_the_same_work_in_the_request(
        self, client, customer, smtp_server, queued_tasks
    ):
        # The mail was rendered and sent inside the request: measurably slower for a real
        # account. Now the request only queues a task, whatever the address.
        with CaptureQueriesContext(connection) as known:
            assert client.post(RESET, {"email": customer.email}).status_code == 302
        with CaptureQueriesContext(connection) as unknown:
            assert client.post(RESET, {"email": "nobody@alpha.test"}).status_code == 302
        assert len(known) == len(unknown)
        assert not any("accounts_user" in query["sql"] for query in known)
        assert smtp_server.messages == []
        tasks = queued_tasks()
        assert [task["func"] for task in tasks] == ["accounts.services.send_password_reset"] * 2
        for task in tasks:  # what the worker does with them
            import_string(task["func"])(*task["args"], **task["kwargs"])
        [message] = smtp_server.messages
        assert message.envelope_recipients == [customer.email]

    def test_a_fourth_request_for_one_address_within_the_hour_is_refused(
        self, client, customer, smtp_server
    ):
        for _ in range(3):
            assert client.post(RESET, {"email": customer.email}).status_code == 302
        response = client.post(RESET, {"email": customer.email.upper()})
        assert response.status_code == 429
        assert "уже отправлено несколько ссылок" in response.content.decode()
        assert len(smtp_server.to(customer.email)) == 3
        # An unknown address is counted and answered the same way: nothing to tell apart.
        for _ in range(3):
            client.post(RESET, {"email": "nobody@alpha.test"})
        assert client.post(RESET, {"email": "nobody@alpha.test"}).status_code == 429

    def test_requests_from_one_network_address_are_limited(self, client, smtp_server, settings, db):
        for n in range(settings.PASSWORD_RESET_PER_IP):
            assert client.post(RESET, {"email": f"user{n}@alpha.test"}).status_code == 302
        response = client.post(RESET, {"email": "another@alpha.test"})
        assert response.status_code == 429
        assert "из вашей сети" in response.content.decode()
        other = client.post(RESET, {"email": "another@alpha.test"}, REMOTE_ADDR="203.0.113.9")
        assert other.status_code == 302

    def test_unknown_email_sends_nothing_and_says_the_same(self, client, smtp_server, db):
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@x.test"})
        assert response.status_code == 302
        assert smtp_server.messages == []

    def test_used_link_is_refused(self, client, customer, smtp_server):
        client.post(reverse("accounts:password_reset"), {"email": customer.email})
        path = re.search(r"http://testserver(\S+)", text_body(smtp_server.messages[0])).group(1)
        response = client.get(path, follow=True)
        form_url = response.redirect_chain[-1][0]
        data = {"new_password1": "A-new-long-pass-42", "new_password2": "A-new-long-pass-42"}
        client.post(form_url, data)
        response = client.get(path, follow=True)
        assert "больше не действует" in response.content.decode()


@pytest.mark.django_db
class TestProfileAndLanguage:
    def test_profile_saves_name_phone_and_language(self, client, customer):
        client.force_login(customer)
        response = client.post(
            reverse("accounts:profile"),
            {"full_name": "Иван Петров", "phone": "+7 900 000-00-00", "language": "en"},
        )
        assert response.status_code == 302
        customer.refresh_from_db()
        assert (customer.full_name, customer.language) == ("Иван Петров", "en")
        assert "Profile" in client.get(reverse("accounts:profile")).content.decode()

    def test_profile_requires_login(self, client):
        assert client.get(reverse("accounts:profile")).url.startswith(LOGIN)

    def test_profile_shows_field_errors_in_russian(self, client, customer):
        client.force_login(customer)
        response = client.post(reverse("accounts:profile"), {"full_name": "", "language": "xx"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "Обязательное поле" in body

    def test_language_switch_for_anonymous_visitor_sets_cookie(self, client, db):
        response = client.post(reverse("accounts:set_language"), {"language": "en", "next": LOGIN})
        assert response.url == LOGIN
        assert "Log in to the support portal" in client.get(LOGIN).content.decode()

    def test_language_switch_for_user_is_remembered_in_profile(self, client, customer):
        client.force_login(customer)
        client.post(reverse("accounts:set_language"), {"language": "en"})
        customer.refresh_from_db()
        assert customer.language == "en"

    def test_language_switch_ignores_foreign_redirect_and_unknown_language(self, client, customer):
        client.force_login(customer)
        response = client.post(
            reverse("accounts:set_language"), {"language": "de", "next": "https://evil.test/"}
        )
        assert response.url == "/"
        customer.refresh_from_db()
        assert customer.language == "ru"

    def test_password_change(self, client, customer):
        client.force_login(customer)
        response = client.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Another-pass-77",
                "new_password2": "Another-pass-77",
            },
        )
        assert response.status_code == 302
        customer.refresh_from_db()
        assert customer.check_password("Another-pass-77")

    def test_password_change_refuses_wrong_old_password(self, client, customer):
        client.force_login(customer)
        response = client.post(
            reverse("accounts:password_change"),
            {
                "old_password": "wrong",
                "new_password1": "Another-pass-77",
                "new_password2": "Another-pass-77",
            },
        )
        assert response.status_code == 200
        customer.refresh_from_db()
        assert customer.check_password(PASSWORD)


@pytest.mark.django_db
def test_user_role_requires_matching_organisation():
    from django.core.exceptions import ValidationError

    user = UserFactory.build(role=Role.AGENT, organization=OrganizationFactory())  # staff in an org
    with pytest.raises(ValidationError):
        user.full_clean(exclude=["password"])
