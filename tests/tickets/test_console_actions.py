"""The workspace's POST actions: the compose box, status buttons, properties, split and link.

Each through the lifecycle, each refusing a stale page by naming what changed, each keeping
what was typed; with the page's script (JSON) and without it (redirect, or the page again).
"""

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from tests.factories import CommentFactory, StaffUserFactory, TicketFactory
from tests.tickets.console_helpers import (
    JSON,
    act_url,
    fresh,
    refused,
    sent,
    set_url,
    workspace_url,
)
from tickets import lifecycle
from tickets.models import Comment, Ticket, TicketEvent

S = Ticket.Status
P = Ticket.Priority
Kind = TicketEvent.Kind
COMPOSE = "admin:tickets_ticket_compose"


def last_event(ticket) -> int:
    return ticket.events.order_by("-pk").values_list("pk", flat=True).first() or 0


def compose(client, ticket, mode, body, files=(), *, seen_status=None, seen_event=None, **extra):
    data = {"mode": mode, "body": body, "files": list(files)}
    data["seen_status"] = seen_status if seen_status is not None else fresh(ticket).status
    data["seen_event"] = seen_event if seen_event is not None else last_event(ticket)
    return client.post(reverse(COMPOSE, args=[ticket.pk]), data, **extra)


@pytest.mark.django_db
class TestComposeBox:
    def test_a_public_reply_with_a_file_starts_work_on_a_new_request(self, client, agent, ticket):
        client.force_login(agent)
        log = SimpleUploadedFile("trace.log", b"INVITE 503", content_type="text/plain")
        response = compose(client, ticket, "reply", "Проверили линию", [log])
        assert response.status_code == 302 and response.url == workspace_url(ticket) + "#compose"
        comment = Comment.objects.get(ticket=ticket)
        assert not comment.is_internal and comment.attachments.get().original_name == "trace.log"
        assert fresh(ticket).status == S.IN_PROGRESS
        assert sent(response, messages.SUCCESS)

    def test_an_internal_note(self, client, agent, ticket):
        client.force_login(agent)
        compose(client, ticket, "note", "Похоже на проблему у оператора")
        assert Comment.objects.get(ticket=ticket).is_internal
        assert fresh(ticket).status == S.NEW

    def test_request_information_waits_for_the_customer(self, client, agent, ticket):
        client.force_login(agent)
        compose(client, ticket, "request_info", "Пришлите дамп трафика")
        assert fresh(ticket).status == S.WAITING
        assert TicketEvent.objects.get(ticket=ticket, kind=Kind.INFO_REQUESTED).comment

    def test_resolve_proposes_the_solution_publicly(self, client, agent, ticket):
        client.force_login(agent)
        compose(client, ticket, "resolve", "Перезапустите шлюз")
        assert fresh(ticket).status == S.RESOLVED
        assert not Comment.objects.get(ticket=ticket).is_internal

    def test_an_empty_text_is_refused_and_nothing_is_written(self, client, agent, ticket):
        client.force_login(agent)
        response = compose(client, ticket, "reply", "  ")
        assert response.status_code == 400
        assert "Сначала напишите сообщение" in response.content.decode()
        assert not Comment.objects.exists()

    def test_a_refused_file_keeps_the_typed_text(self, client, agent, ticket):
        client.force_login(agent)
        bad = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
        response = compose(client, ticket, "reply", "Текст, который нельзя потерять", [bad])
        assert response.status_code == 400
        assert "Текст, который нельзя потерять</textarea>" in response.content.decode()
        assert not Comment.objects.exists()

    def test_a_refused_transition_keeps_the_typed_text(self, client, agent, customer):
        closed = TicketFactory(requester=customer, status=S.CLOSED)
        client.force_login(agent)
        response = compose(client, closed, "resolve", "Решение, которое нельзя потерять")
        assert closed.reference in refused(response)
        assert "Решение, которое нельзя потерять</textarea>" in response.content.decode()
        assert fresh(closed).status == S.CLOSED and not Comment.objects.exists()

    @pytest.mark.parametrize("mode", ["reply", "request_info", "resolve"])
    def test_a_send_from_a_stale_page_is_refused_keeping_the_text_and_naming_the_change(
        self, client, agent, supervisor, ticket, mode
    ):
        seen_event = last_event(ticket)
        lifecycle.take(ticket, actor=supervisor)  # while the agent was typing
        client.force_login(agent)
        response = compose(client, ticket, mode, "Мой ответ", seen_status=S.NEW,
                           seen_event=seen_event)  # fmt: skip
        assert "тем временем изменилось" in refused(response, status=409)
        html = response.content.decode()
        assert "Мой ответ</textarea>" in html
        changes = html.split('id="ws-changes"', 1)[1].split("</div>", 1)[0]
        assert supervisor.full_name in changes and "В работе" in changes
        # The page now shows the current status: sending again goes through.
        assert f'name="seen_status" value="{S.IN_PROGRESS}"' in html
        assert not Comment.objects.exists()
        compose(client, ticket, mode, "Мой ответ")
        assert Comment.objects.filter(body="Мой ответ").exists()

    def test_a_note_is_not_held_back_by_a_change_of_status(self, client, agent, supervisor, ticket):
        lifecycle.take(ticket, actor=supervisor)
        client.force_login(agent)
        response = compose(client, ticket, "note", "Для своих", seen_status=S.NEW)
        assert response.status_code == 302 and Comment.objects.get().is_internal

    def test_with_the_script_success_brings_the_new_parts_of_the_page(self, client, agent, ticket):
        client.force_login(agent)
        response = compose(client, ticket, "request_info", "Какой транк?", **JSON)
        assert response.status_code == 200
        data = response.json()
        assert data["ok"] and data["state"]["status"] == S.WAITING
        assert "Какой транк?" in data["fragments"]["conversation"]
        assert data["state"]["modes"] == ["reply", "note", "resolve"]
        assert data["state"]["last_event"] == last_event(ticket)

    def test_with_the_script_a_stale_send_answers_409_with_the_changes(
        self, client, agent, supervisor, ticket
    ):
        seen_event = last_event(ticket)
        lifecycle.take(ticket, actor=supervisor)
        client.force_login(agent)
        response = compose(client, ticket, "reply", "Текст", seen_status=S.NEW,
                           seen_event=seen_event, **JSON)  # fmt: skip
        assert response.status_code == 409
        data = response.json()
        assert not data["ok"] and ticket.reference in data["message"]
        assert any(supervisor.full_name in line for line in data["changes"])
        assert data["state"]["status"] == S.IN_PROGRESS
        assert not Comment.objects.exists()

    @pytest.mark.parametrize("who", ["customer", "customer_manager"])
    def test_customers_cannot_use_the_compose_box(self, client, request, who, ticket):
        client.force_login(request.getfixturevalue(who))
        response = compose(client, ticket, "reply", "Я клиент")
        assert response.status_code == 302 and reverse("admin:login") in response.url
        assert not Comment.objects.exists()

    def test_only_post(self, client, agent, ticket):
        client.force_login(agent)
        assert client.get(reverse(COMPOSE, args=[ticket.pk])).status_code == 405

    def test_an_unknown_mode_is_refused(self, client, agent, ticket):
        client.force_login(agent)
        response = compose(client, ticket, "delete_everything", "x")
        assert response.status_code == 400 and not Comment.objects.exists()


@pytest.mark.django_db
class TestStatusButtons:
    @pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR])
    def test_staff_take_a_new_request(self, client, role, ticket):
        engineer = StaffUserFactory(role=role)
        client.force_login(engineer)
        response = client.post(act_url(ticket, "take"), {"seen_status": S.NEW})
        assert response.status_code == 302 and response.url == workspace_url(ticket)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee) == (S.IN_PROGRESS, engineer)
        assert sent(response, messages.SUCCESS)

    def test_reopen_and_close(self, client, agent, customer):
        resolved = TicketFactory(requester=customer, status=S.RESOLVED)
        client.force_login(agent)
        client.post(act_url(resolved, "reopen"), {"seen_status": S.RESOLVED})
        assert fresh(resolved).status == S.IN_PROGRESS
        client.post(act_url(resolved, "close"), {"seen_status": S.IN_PROGRESS})
        assert fresh(resolved).status == S.CLOSED

    def test_a_refused_button_says_why(self, client, agent, ticket):
        client.force_login(agent)
        response = client.post(act_url(ticket, "reopen"))
        assert ticket.reference in refused(response) and fresh(ticket).status == S.NEW

    def test_taking_from_a_stale_page_does_not_steal_the_request(
        self, client, agent, other_agent, ticket
    ):
        seen = {"seen_status": S.NEW, "seen_event": last_event(ticket)}
        lifecycle.take(ticket, actor=other_agent)
        client.force_login(agent)
        response = client.post(act_url(ticket, "take"), seen, **JSON)
        assert response.status_code == 409 and fresh(ticket).assignee == other_agent
        assert any(other_agent.full_name in line for line in response.json()["changes"])

    def test_only_post_and_only_the_buttons(self, client, agent, ticket):
        client.force_login(agent)
        assert client.get(act_url(ticket, "take")).status_code == 405
        assert client.post(act_url(ticket, "confirm")).status_code == 404
        assert client.post(act_url(ticket, "delete")).status_code == 404

    def test_customers_cannot_press_buttons(self, client, customer, ticket):
        client.force_login(customer)
        response = client.post(act_url(ticket, "close"))
        assert response.status_code == 302 and fresh(ticket).status == S.NEW


@pytest.mark.django_db
class TestProperties:
    def test_the_priority_through_the_lifecycle(self, client, agent, ticket):
        client.force_login(agent)
        response = client.post(
            set_url(ticket, "priority"), {"value": P.CRITICAL, "shown": P.NORMAL}
        )
        assert response.status_code == 302 and response.url.endswith("#ws-side")
        event = TicketEvent.objects.get(ticket=ticket, kind=Kind.PRIORITY_CHANGED)
        assert event.actor == agent and event.data == {"from": P.NORMAL, "to": P.CRITICAL}
        [success] = sent(response, messages.SUCCESS)
        assert "Критический" in success

    def test_the_type_and_the_priority_rule(self, client, agent, ticket):
        client.force_login(agent)
        response = client.post(set_url(ticket, "type"), {"value": "problem", "shown": "incident"},
                               **JSON)  # fmt: skip
        assert response.status_code == 200
        ticket.refresh_from_db()
        assert ticket.type == Ticket.Type.PROBLEM and ticket.priority == P.HIGH
        assert "Высокий" in response.json()["fragments"]["ws-head"]

    def test_blocks_work_on_and_off(self, client, agent, ticket):
        client.force_login(agent)
        client.post(set_url(ticket, "blocks_work"), {"value": "1", "shown": "0"})
        assert fresh(ticket).blocks_work and fresh(ticket).priority == P.HIGH
        client.post(set_url(ticket, "blocks_work"), {"shown": "1"})  # an unticked box
        assert not fresh(ticket).blocks_work and fresh(ticket).priority == P.HIGH

    def test_a_value_someone_changed_meanwhile_is_named_not_overwritten(
        self, client, agent, other_agent, ticket
    ):
        seen_event = last_event(ticket)
        lifecycle.set_priority(ticket, actor=other_agent, priority=P.CRITICAL)
        client.force_login(agent)
        data = {"value": P.LOW, "shown": P.NORMAL, "seen_event": seen_event}
        response = client.post(set_url(ticket, "priority"), data, **JSON)
        assert response.status_code == 409 and fresh(ticket).priority == P.CRITICAL
        payload = response.json()
        assert "Критический" in payload["message"]
        assert any(other_agent.full_name in line for line in payload["changes"])

    def test_another_propertys_change_meanwhile_does_not_stop_this_one(
        self, client, agent, other_agent, ticket
    ):
        lifecycle.set_blocks_work(ticket, actor=other_agent, blocks_work=True)
        client.force_login(agent)
        client.post(set_url(ticket, "type"), {"value": "service_request", "shown": "incident"})
        assert fresh(ticket).type == Ticket.Type.SERVICE_REQUEST

    def test_an_agent_takes_and_releases_the_request(self, client, agent, ticket):
        client.force_login(agent)
        client.post(set_url(ticket, "assignee"), {"value": agent.pk, "shown": ""})
        assert fresh(ticket).assignee == agent
        client.post(set_url(ticket, "assignee"), {"value": "", "shown": agent.pk})
        assert fresh(ticket).assignee is None

    def test_an_agent_cannot_assign_a_colleague(self, client, agent, other_agent, ticket):
        client.force_login(agent)
        response = client.post(set_url(ticket, "assignee"), {"value": other_agent.pk, "shown": ""})
        assert "руководител" in refused(response) and fresh(ticket).assignee is None

    def test_a_supervisor_assigns_and_the_engineer_is_told(
        self, client, supervisor, agent, ticket, smtp_server, django_capture_on_commit_callbacks
    ):
        client.force_login(supervisor)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(set_url(ticket, "assignee"), {"value": agent.pk, "shown": ""})
        assert fresh(ticket).assignee == agent
        assert [m.envelope_recipients for m in smtp_server.messages] == [[agent.email]]

    def test_a_supervisor_sets_further_executors(
        self, client, supervisor, agent, other_agent, ticket
    ):
        client.force_login(supervisor)
        client.post(
            set_url(ticket, "executors"), {"value": [agent.pk, other_agent.pk], "shown": ""}
        )
        assert set(fresh(ticket).executors.all()) == {agent, other_agent}
        event = TicketEvent.objects.get(ticket=ticket, kind=Kind.EXECUTORS_CHANGED)
        assert not event.is_public

    @pytest.mark.parametrize(
        ("prop", "value"),
        [("priority", "9"), ("type", "anything"), ("assignee", "999999"), ("executors", "x")],
    )
    def test_an_invalid_value_is_a_400_and_changes_nothing(
        self, client, agent, ticket, prop, value
    ):
        client.force_login(agent)
        response = client.post(set_url(ticket, prop), {"value": value}, **JSON)
        assert response.status_code == 400 and not response.json()["ok"]
        assert fresh(ticket).version == ticket.version

    def test_an_unknown_property_is_a_404(self, client, agent, ticket):
        client.force_login(agent)
        assert client.post(set_url(ticket, "status"), {"value": "closed"}).status_code == 404
        assert client.post(set_url(ticket, "subject"), {"value": "x"}).status_code == 404

    @pytest.mark.parametrize("who", ["customer", "other_org_customer"])
    def test_customers_cannot_change_properties(self, client, request, who, ticket):
        client.force_login(request.getfixturevalue(who))
        response = client.post(set_url(ticket, "priority"), {"value": P.CRITICAL})
        assert response.status_code == 302 and fresh(ticket).priority == P.NORMAL


@pytest.mark.django_db
class TestSplitAndLink:
    def test_split_a_public_message_into_a_new_request(self, client, agent, customer, ticket):
        message = CommentFactory(ticket=ticket, author=customer, body="И ещё не работает факс")
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_split", args=[ticket.pk, message.pk])
        response = client.post(url, {"subject": "Не работает факс"})
        new = Ticket.objects.exclude(pk=ticket.pk).get()
        assert (new.subject, new.description) == ("Не работает факс", message.body)
        assert list(ticket.related.all()) == [new]
        [success] = sent(response, messages.SUCCESS)
        assert new.reference in success

    def test_the_form_comes_first_with_the_message(self, client, agent, customer, ticket):
        message = CommentFactory(ticket=ticket, author=customer, body="И ещё не работает факс")
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_split", args=[ticket.pk, message.pk])
        html = client.get(url).content.decode()
        assert "И ещё не работает факс" in html and 'name="subject"' in html
        assert Ticket.objects.count() == 1

    def test_an_internal_note_cannot_be_split_off(self, client, agent, ticket):
        note = lifecycle.add_note(ticket, actor=agent, body="внутреннее")
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_split", args=[ticket.pk, note.pk])
        assert client.post(url, {"subject": "Тема"}).status_code == 404
        assert client.get(url).status_code == 404
        assert Ticket.objects.count() == 1

    def test_a_message_of_another_request_is_a_404(self, client, agent, customer, ticket):
        elsewhere = CommentFactory(ticket=TicketFactory(requester=customer))
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_split", args=[ticket.pk, elsewhere.pk])
        assert client.post(url, {"subject": "Тема"}).status_code == 404

    def test_split_needs_a_subject(self, client, agent, customer, ticket):
        message = CommentFactory(ticket=ticket, author=customer)
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_split", args=[ticket.pk, message.pk])
        response = client.post(url, {"subject": ""})
        assert response.status_code == 400 and 'class="errornote"' in response.content.decode()
        assert Ticket.objects.count() == 1

    def test_link_two_requests_by_reference(self, client, agent, customer, ticket):
        other = TicketFactory(requester=customer)
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_link", args=[ticket.pk])
        response = client.post(url, {"reference": f"pt-{other.pk}"})
        assert list(ticket.related.all()) == [other] and sent(response, messages.SUCCESS)
        html = client.get(workspace_url(ticket)).content.decode()
        assert f'<a href="{workspace_url(other)}">{other.reference}</a>' in html

    @pytest.mark.parametrize("reference", ["PT-999999", "hello", ""])
    def test_linking_an_unknown_reference_is_an_error(self, client, agent, ticket, reference):
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_link", args=[ticket.pk])
        response = client.post(url, {"reference": reference})
        assert not ticket.related.exists() and refused(response)
        assert f'value="{reference}"' in response.content.decode()  # as typed

    def test_a_request_cannot_be_linked_to_itself(self, client, agent, ticket):
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_link", args=[ticket.pk])
        response = client.post(url, {"reference": ticket.reference})
        assert not ticket.related.exists() and refused(response)

    def test_customers_cannot_split_or_link(self, client, customer, ticket):
        message = CommentFactory(ticket=ticket, author=customer)
        client.force_login(customer)
        client.post(reverse("admin:tickets_ticket_split", args=[ticket.pk, message.pk]),
                    {"subject": "x"})  # fmt: skip
        client.post(reverse("admin:tickets_ticket_link", args=[ticket.pk]), {"reference": "PT-1"})
        assert Ticket.objects.count() == 1 and not ticket.related.exists()
