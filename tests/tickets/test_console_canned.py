"""Reply templates: placeholders filled safely, searched and inserted from the compose box,
counted, and managed by supervisors only."""

import pytest
from django.urls import reverse

from tickets.console.canned import fill, placeholder_values
from tickets.models import CannedReply

pytestmark = pytest.mark.django_db


@pytest.fixture
def greeting():
    return CannedReply.objects.create(
        title="Приветствие",
        body_ru="Здравствуйте, {customer_name}! Обращение {ticket_id} у меня. {engineer_name}",
        body_en="Hello {customer_name}, {ticket_id} is with me. {engineer_name}",
    )


@pytest.fixture
def restart():
    return CannedReply.objects.create(
        title="Перезапуск шлюза", body_ru="Перезапустите шлюз и пришлите журнал.", usage_count=5
    )


def list_url(ticket):
    return reverse("admin:tickets_ticket_canned", args=[ticket.pk])


def insert_url(ticket, reply):
    return reverse("admin:tickets_ticket_canned_insert", args=[ticket.pk, reply.pk])


class TestFilling:
    def test_the_known_placeholders_are_filled(self, ticket, agent):
        values = placeholder_values(ticket, agent)
        text = fill("{customer_name} / {ticket_id} / {engineer_name} / {subject}", values)
        expected = f"{ticket.requester.full_name} / {ticket.reference} / {agent.full_name}"
        assert text == f"{expected} / {ticket.subject}"

    @pytest.mark.parametrize(
        "text",
        [
            "{customer_name.__class__}",
            "{customer_name!r}",
            "{0}",
            "{}",
            "{{ ticket.requester.password }}",
            "{% load static %}",
            "%(customer_name)s",
            "{unknown} {CUSTOMER_NAME}",
        ],
    )
    def test_anything_but_a_known_name_in_braces_stays_as_written(self, ticket, agent, text):
        assert fill(text, placeholder_values(ticket, agent)) == text

    def test_a_value_containing_braces_is_not_filled_again(self, ticket, agent):
        ticket.subject = "{customer_name}"
        assert fill("{subject}", placeholder_values(ticket, agent)) == "{customer_name}"


class TestInCompose:
    def test_the_list_most_used_first_with_a_preview_in_the_customers_language(
        self, client, agent, ticket, greeting, restart
    ):
        CannedReply.objects.create(title="Старый", body_ru="...", is_active=False)
        client.force_login(agent)
        replies = client.get(list_url(ticket)).json()["replies"]
        assert [r["title"] for r in replies] == ["Перезапуск шлюза", "Приветствие"]
        assert replies[1]["preview"].startswith("Здравствуйте")

    def test_the_list_is_searched_by_title_and_text(self, client, agent, ticket, greeting, restart):
        client.force_login(agent)

        def found(query):
            replies = client.get(list_url(ticket), {"q": query}).json()["replies"]
            return [reply["title"] for reply in replies]

        assert found("журнал") == ["Перезапуск шлюза"]
        assert found("Привет") == ["Приветствие"]
        assert found("x" * 5000) == []

    def test_inserting_fills_it_for_this_request_and_counts_the_use(
        self, client, agent, ticket, greeting
    ):
        client.force_login(agent)
        response = client.post(insert_url(ticket, greeting))
        text = response.json()["text"]
        assert text.startswith(f"Здравствуйте, {ticket.requester.full_name}!")
        assert ticket.reference in text and text.endswith(agent.full_name)
        client.post(insert_url(ticket, greeting))
        greeting.refresh_from_db()
        assert greeting.usage_count == 2

    def test_an_english_speaking_customer_gets_the_english_text(
        self, client, agent, ticket, greeting, restart
    ):
        ticket.requester.language = "en"
        ticket.requester.save()
        client.force_login(agent)
        assert client.post(insert_url(ticket, greeting)).json()["text"].startswith("Hello")
        # No English text: the Russian one.
        assert client.post(insert_url(ticket, restart)).json()["text"].startswith("Перезапустите")

    def test_an_inactive_template_cannot_be_inserted(self, client, agent, ticket, greeting):
        greeting.is_active = False
        greeting.save()
        client.force_login(agent)
        assert client.post(insert_url(ticket, greeting)).status_code == 404
        greeting.refresh_from_db()
        assert greeting.usage_count == 0

    def test_inserting_is_a_post(self, client, agent, ticket, greeting):
        client.force_login(agent)
        assert client.get(insert_url(ticket, greeting)).status_code == 405

    @pytest.mark.parametrize("who", ["customer", "customer_manager"])
    def test_customers_are_refused(self, client, request, ticket, greeting, who):
        client.force_login(request.getfixturevalue(who))
        for response in (client.get(list_url(ticket)), client.post(insert_url(ticket, greeting))):
            assert response.status_code == 302 and reverse("admin:login") in response.url
        greeting.refresh_from_db()
        assert greeting.usage_count == 0


class TestManaging:
    def form(self, **fields):
        return {"title": "Новый", "body_ru": "Текст", "body_en": "", "is_active": "on", **fields}

    def test_a_supervisor_adds_a_template(self, client, supervisor):
        client.force_login(supervisor)
        response = client.post(reverse("admin:tickets_cannedreply_add"), self.form())
        assert response.status_code == 302 and CannedReply.objects.get().title == "Новый"

    def test_an_unknown_placeholder_is_refused_naming_the_known_ones(self, client, supervisor):
        client.force_login(supervisor)
        form = self.form(body_ru="Здравствуйте, {client}!")
        response = client.post(reverse("admin:tickets_cannedreply_add"), form)
        assert response.status_code == 200 and not CannedReply.objects.exists()
        error = str(response.context["adminform"].form.errors["body_ru"])
        assert "{client}" in error and "{customer_name}" in error

    def test_an_agent_may_look_but_not_add_or_change(self, client, agent, greeting):
        client.force_login(agent)
        assert client.get(reverse("admin:tickets_cannedreply_changelist")).status_code == 200
        assert client.get(reverse("admin:tickets_cannedreply_add")).status_code == 403
        change = reverse("admin:tickets_cannedreply_change", args=[greeting.pk])
        client.post(change, self.form(title="Испорчено"))
        greeting.refresh_from_db()
        assert greeting.title == "Приветствие"

    def test_customers_cannot_manage_templates(self, client, customer):
        client.force_login(customer)
        response = client.get(reverse("admin:tickets_cannedreply_changelist"))
        assert response.status_code == 302
