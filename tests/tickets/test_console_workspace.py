"""The request workspace: who may open it, what it shows, and what it costs."""

import re

import pytest
from django.urls import reverse

from tests.factories import AttachmentFactory, StaffUserFactory, TicketFactory
from tests.tickets.console_helpers import JSON, change_url, workspace_url
from tickets import formatting, lifecycle
from tickets.console import rendering
from tickets.formatting import rendered_messages
from tickets.models import Ticket, TicketEvent

S = Ticket.Status
Kind = TicketEvent.Kind


def html_of(client, ticket):
    response = client.get(workspace_url(ticket))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
class TestWhoMayOpenIt:
    @pytest.mark.parametrize("role", ["agent", "supervisor", "administrator"])
    def test_support_staff_open_any_request(self, client, request, role, ticket):
        client.force_login(request.getfixturevalue(role))
        html = html_of(client, ticket)
        assert ticket.reference in html and 'id="compose-form"' in html

    @pytest.mark.parametrize("who", ["customer", "customer_manager", "other_org_customer"])
    def test_customers_are_sent_to_the_console_login(self, client, request, who, ticket):
        client.force_login(request.getfixturevalue(who))
        response = client.get(workspace_url(ticket))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_an_anonymous_visitor_is_sent_to_the_login(self, client, ticket):
        response = client.get(workspace_url(ticket))
        assert response.status_code == 302 and reverse("admin:login") in response.url

    def test_an_unknown_request_is_a_404(self, client, agent):
        client.force_login(agent)
        assert (
            client.get(reverse("admin:tickets_ticket_workspace", args=[999999])).status_code == 404
        )
        assert client.get("/admin/tickets/ticket/999999/history/").status_code == 404


@pytest.mark.django_db
class TestOldAddresses:
    def test_the_change_form_url_leads_to_the_workspace(self, client, agent, ticket):
        client.force_login(agent)
        response = client.get(change_url(ticket))
        assert response.status_code == 302 and response.url == workspace_url(ticket)

    def test_a_post_to_the_old_form_changes_nothing(self, client, agent, ticket):
        client.force_login(agent)
        response = client.post(change_url(ticket), {"priority": 1, "_save": "Save"})
        assert response.status_code == 302
        assert Ticket.objects.get(pk=ticket.pk).priority == Ticket.Priority.NORMAL

    def test_no_adding_or_deleting_requests_in_the_console(self, client, administrator, ticket):
        client.force_login(administrator)
        assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403
        delete = reverse("admin:tickets_ticket_delete", args=[ticket.pk])
        assert client.get(delete).status_code == 403

    def test_history_shows_the_requests_own_history(self, client, agent, ticket):
        lifecycle.take(ticket, actor=agent)
        lifecycle.add_note(ticket, actor=agent, body="x")
        client.force_login(agent)
        response = client.get(reverse("admin:tickets_ticket_history", args=[ticket.pk]))
        html = response.content.decode()
        rows = re.findall(r'<tr class="console-event console-event-([a-z_]+)', html)
        assert rows == list(ticket.events.values_list("kind", flat=True))
        assert len(rows) == 3 and Kind.NOTE_ADDED in rows
        assert "только для поддержки" in html  # the note's entry is marked internal

    def test_the_history_button_leads_there(self, client, agent, ticket):
        client.force_login(agent)
        history = reverse("admin:tickets_ticket_history", args=[ticket.pk])
        assert f'href="{history}" id="history-link"' in html_of(client, ticket)

    def test_customers_cannot_read_the_history(self, client, customer, ticket):
        client.force_login(customer)
        response = client.get(reverse("admin:tickets_ticket_history", args=[ticket.pk]))
        assert response.status_code == 302


@pytest.mark.django_db
class TestWhatItShows:
    def test_the_buttons_and_tabs_the_lifecycle_allows_now(self, client, agent, ticket):
        client.force_login(agent)
        html = html_of(client, ticket)
        assert 'id="action-take"' in html and 'id="action-close"' in html
        assert 'id="action-reopen"' not in html
        tabs = dict(re.findall(r'id="compose-(reply|note|request_info|resolve)"( disabled)?', html))
        assert tabs == {"reply": "", "note": "", "request_info": "", "resolve": ""}

    def test_a_resolved_request_offers_reopen_and_close_but_not_resolving_again(
        self, client, agent, customer
    ):
        resolved = TicketFactory(requester=customer, status=S.RESOLVED)
        client.force_login(agent)
        html = html_of(client, resolved)
        assert 'id="action-reopen"' in html and 'id="action-take"' not in html
        assert re.search(r'id="compose-resolve" disabled', html)
        assert re.search(r'id="compose-request_info" disabled', html)
        assert not re.search(r'id="compose-reply" disabled', html)

    def test_the_conversation_in_order_with_notes_marked(self, client, agent, customer, ticket):
        lifecycle.take(ticket, actor=agent)
        question = lifecycle.request_info(ticket, actor=agent, question="Какой транк?")
        note = lifecycle.add_note(ticket, actor=agent, body="Только для нас")
        answer = lifecycle.reply(ticket, actor=customer, body="Транк 42")
        client.force_login(agent)
        html = html_of(client, ticket)
        ids = [int(pk) for pk in re.findall(r'id="comment-(\d+)"', html)]
        assert ids == [question.pk, note.pk, answer.pk]
        classes = dict(
            (int(pk), css)
            for css, pk in re.findall(r'<li class="([^"]*)" id="comment-(\d+)"', html)
        )
        assert "ws-internal" in classes[note.pk] and "ws-internal" not in classes[answer.pk]
        assert "ws-from-customer" in classes[answer.pk]
        # A status change without a message is a line of its own.
        assert re.search(r'class="ws-entry ws-event ws-event-status_changed', html)

    def test_the_description_technical_details_and_files_of_the_request(
        self, client, agent, customer
    ):
        ticket = TicketFactory(
            requester=customer, description="См. https://example.com/log",
            technical_details="trace <b>",
        )  # fmt: skip
        image = AttachmentFactory(ticket=ticket)
        log = AttachmentFactory(
            ticket=ticket, original_name="trace.log", content_type="application/octet-stream"
        )
        client.force_login(agent)
        html = html_of(client, ticket)
        assert 'href="https://example.com/log"' in html
        assert "trace &lt;b&gt;" in html
        image_url = reverse(
            "tickets:attachment", args=[ticket.reference, image.pk, image.original_name]
        )
        log_url = reverse("tickets:attachment", args=[ticket.reference, log.pk, log.original_name])
        assert f'<img src="{image_url}"' in html  # a thumbnail, opened in the page
        assert f'<a href="{log_url}" download>' in html
        assert f'<img src="{log_url}"' not in html

    def test_a_message_is_rendered_once_and_then_served_from_the_cache(
        self, client, agent, ticket, monkeypatch
    ):
        lifecycle.add_note(ticket, actor=agent, body="первый раз")
        client.force_login(agent)
        rendered_messages.clear()
        html_of(client, ticket)

        def not_again(text):
            raise AssertionError(f"rendered again: {text}")

        monkeypatch.setattr(formatting, "render_text", not_again)
        assert "первый раз" in html_of(client, ticket)

    def test_a_cached_conversation_follows_the_language_and_the_split_right(
        self, client, agent, customer, ticket
    ):
        lifecycle.reply(ticket, actor=customer, body="Сообщение клиента")
        client.force_login(agent)
        assert "· клиент" in html_of(client, ticket)
        agent.language = "en"
        agent.save()
        english = html_of(client, ticket)
        assert "· customer" in english and "· клиент" not in english
        assert "Split off into a new request" in english

    def test_the_properties_beside_the_conversation(self, client, agent, customer):
        customer.phone = "+7 900 000-00-00"
        customer.save()
        ticket = lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.INCIDENT, subject="Нет связи", description="..."
        )
        client.force_login(agent)
        html = html_of(client, ticket)
        assert 'id="prop-priority"' in html and 'id="prop-type"' in html
        assert 'id="prop-blocks_work"' in html and 'id="assign-me"' in html
        assert ticket.contract.number in html and ticket.plan.name in html
        assert f'href="mailto:{customer.email}"' in html and "+7 900 000-00-00" in html
        assert 'id="sla-box"' in html

    def test_an_agent_is_offered_taking_not_reassigning(self, client, agent, other_agent, ticket):
        lifecycle.take(ticket, actor=other_agent)
        client.force_login(agent)
        html = html_of(client, ticket)
        assert '<select name="value" id="prop-assignee">' not in html
        assert (
            'id="assign-me"' not in html and "Переназначают обращения только руководители" in html
        )

    def test_a_supervisor_chooses_any_active_engineer(
        self, client, supervisor, agent, other_agent, ticket
    ):
        gone = StaffUserFactory(email="gone@support.test", full_name="Ушедший", is_active=False)
        client.force_login(supervisor)
        html = html_of(client, ticket)
        select = html.split('id="prop-assignee">', 1)[1].split("</select>", 1)[0]
        assert agent.full_name in select and other_agent.full_name in select
        assert gone.full_name not in select

    def test_an_engineer_who_left_is_still_named_but_no_longer_offered(
        self, client, supervisor, agent, customer, ticket
    ):
        """Requester, engineer and the staff offered come from one query (workspace._people):
        the requester and a deactivated engineer are shown, not offered; executors are ticked."""
        gone = StaffUserFactory(email="gone@support.test", full_name="Ушедший")
        lifecycle.take(ticket, actor=gone)
        ticket.executors.add(agent)
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        client.force_login(supervisor)
        html = html_of(client, ticket)
        assert f"{ticket.organization.name} · Ушедший" in html
        select = html.split('id="prop-assignee">', 1)[1].split("</select>", 1)[0]
        assert "Ушедший" not in select and customer.email not in select
        assert f'value="{agent.pk}" checked> {agent.full_name}' in html
        assert f'href="mailto:{customer.email}"' in html

    def test_related_requests_with_their_subject_and_status_oldest_first(
        self, client, agent, customer, ticket
    ):
        first = TicketFactory(requester=customer, subject="Первая связанная")
        second = TicketFactory(requester=customer, subject="Вторая связанная")
        lifecycle.take(second, actor=agent)
        ticket.related.add(second, first)
        TicketFactory(requester=customer, subject="Чужая").related.add(TicketFactory())
        client.force_login(agent)
        box = html_of(client, ticket).split('id="related"', 1)[1].split("</ul>", 1)[0]
        assert box.index(first.reference) < box.index(second.reference)
        assert "Первая связанная" in box and "Вторая связанная" in box and "Чужая" not in box
        assert f'href="{workspace_url(second)}"' in box and ">В работе</span>" in box

    def test_the_parts_of_the_page_as_json_for_its_script(self, client, agent, ticket):
        client.force_login(agent)
        response = client.get(workspace_url(ticket), **JSON)
        data = response.json()
        assert set(data["fragments"]) == {"ws-head", "ws-side", "conversation"}
        assert data["state"]["status"] == S.NEW
        assert data["state"]["modes"] == ["reply", "note", "request_info", "resolve"]


@pytest.mark.django_db
class TestTheCachedComposeBox:
    def test_the_tabs_follow_the_request_on_the_next_page(self, client, agent, ticket):
        client.force_login(agent)
        assert not re.search(r'id="compose-resolve" disabled', html_of(client, ticket))
        lifecycle.take(ticket, actor=agent)
        lifecycle.resolve(ticket, actor=agent, solution="Готово")
        html = html_of(client, ticket)
        assert re.search(r'id="compose-resolve" disabled', html)
        last = ticket.events.order_by("pk").last().pk
        assert f'value="{last}" id="compose-seen-event"' in html

    def test_each_page_carries_its_own_working_csrf_token(self, agent, ticket):
        from django.test import Client

        for _ in range(2):  # the second page is served from the cache
            browser = Client(enforce_csrf_checks=True)
            browser.force_login(agent)
            html = html_of(browser, ticket)
            assert rendering.CSRF_MARK not in html
            form = html.split('id="compose-form"', 1)[1]
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
            response = browser.post(
                reverse("admin:tickets_ticket_compose", args=[ticket.pk]),
                {"csrfmiddlewaretoken": token, "mode": "note", "body": "заметка",
                 "seen_status": ticket.status, "seen_event": "0"},
            )  # fmt: skip
            assert response.status_code != 403


@pytest.mark.django_db
class TestCost:
    @pytest.mark.parametrize("messages", [3, 40])
    def test_at_most_15_queries_whatever_the_length(
        self, client, agent, customer, django_assert_max_num_queries, messages
    ):
        ticket = TicketFactory(requester=customer)
        lifecycle.take(ticket, actor=agent)
        for i in range(messages):
            author = customer if i % 2 else agent
            comment = lifecycle.reply(ticket, actor=author, body=f"сообщение {i}")
            if i % 4 == 0:
                AttachmentFactory(ticket=ticket, comment=comment)
                lifecycle.add_note(ticket, actor=agent, body=f"заметка {i}")
        ticket.related.add(TicketFactory(requester=customer))
        ticket.executors.add(StaffUserFactory())
        client.force_login(agent)
        html_of(client, ticket)  # the calendar's schedule is cached per process
        # Session, user (with their permissions), request (with organisation, contract, plan
        # and its calendar, rating), the plan's targets, requester and engineer with the
        # engineers (marked if executors), the conversation's make-up (the conversation itself
        # is cached), related requests: 7.
        with django_assert_max_num_queries(15) as captured:
            html = html_of(client, ticket)
        assert html.count('class="ws-entry ws-msg') >= messages + 1
        assert len(captured) <= 7


@pytest.mark.django_db
class TestUrlsReversedOnce:
    def test_each_url_of_the_page_is_the_one_django_reverses(self, ticket):
        from tickets.console import workspace

        urls = workspace.urls(ticket)
        pk = ticket.pk
        expected = {
            "queue": reverse("admin:tickets_ticket_changelist"),
            "workspace": reverse("admin:tickets_ticket_workspace", args=[pk]),
            "history": reverse("admin:tickets_ticket_history", args=[pk]),
            "presence": reverse("admin:tickets_ticket_presence", args=[pk]),
            "canned": reverse("admin:tickets_ticket_canned", args=[pk]),
            "compose": reverse("admin:tickets_ticket_compose", args=[pk]),
            "link": reverse("admin:tickets_ticket_link", args=[pk]),
            "organization": reverse(
                "admin:accounts_organization_change", args=[ticket.organization_id]
            ),
        }
        assert {name: urls[name] for name in expected} == expected
        assert urls["set"] + "priority/" == reverse(
            "admin:tickets_ticket_set", args=[pk, "priority"]
        )
        assert urls["act"] + "take/" == reverse("admin:tickets_ticket_act", args=[pk, "take"])
        assert urls["incident"] + "attach/" == reverse(
            "admin:tickets_ticket_incident", args=[pk, "attach"]
        )
        assert urls["incident"] + "detach/7/" == reverse(
            "admin:tickets_ticket_incident_detach", args=[pk, 7]
        )
        assert urls["queue"] + "7/" == reverse("admin:tickets_ticket_workspace", args=[7])
