"""The agent console in the Django admin: the queue, bulk actions, the request page."""

import re
from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from tests.factories import (
    AttachmentFactory,
    CommentFactory,
    OrganizationFactory,
    StaffUserFactory,
    TicketFactory,
    UserFactory,
)
from tickets import lifecycle
from tickets.models import Comment, Ticket, TicketEvent

S = Ticket.Status
P = Ticket.Priority
Kind = TicketEvent.Kind
CHANGELIST = reverse("admin:tickets_ticket_changelist")


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def act_url(ticket, action):
    return reverse("admin:tickets_ticket_act", args=[ticket.pk, action])


def listed(response):
    return [ticket.pk for ticket in response.context["cl"].result_list]


def sent(response, level=None):
    """The messages a response queued for the user: [(level, text)], or texts of one level."""
    found = [(m.level, str(m)) for m in get_messages(response.wsgi_request)]
    return found if level is None else [text for lvl, text in found if lvl == level]


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def refused(response) -> str:
    """A refusal is the request page again (400) with the reason in the summary at its top."""
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page
    return page.split('id="error-summary"')[1].split("</div>")[0]


@pytest.fixture
def other_agent(db):
    return StaffUserFactory(email="agent2@support.test", full_name="Вера Второва")


@pytest.fixture
def ticket(customer):
    return TicketFactory(requester=customer)


# --- The queue -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestQueue:
    def test_opens_on_open_requests_most_urgent_then_oldest_first(self, client, agent, customer):
        now = timezone.now()
        normal_old = TicketFactory(requester=customer, created_at=now - timedelta(days=3))
        normal_new = TicketFactory(requester=customer, created_at=now - timedelta(days=1))
        critical = TicketFactory(requester=customer, priority=P.CRITICAL, status=S.WAITING)
        high = TicketFactory(requester=customer, priority=P.HIGH, status=S.IN_PROGRESS)
        TicketFactory(requester=customer, priority=P.CRITICAL, status=S.RESOLVED)
        TicketFactory(requester=customer, priority=P.CRITICAL, status=S.CLOSED)
        client.force_login(agent)
        response = client.get(CHANGELIST)
        assert response.status_code == 200
        assert listed(response) == [critical.pk, high.pk, normal_old.pk, normal_new.pk]

    def test_customer_cannot_open_the_console(self, client, customer, ticket):
        client.force_login(customer)
        for url in (CHANGELIST, change_url(ticket)):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))

    def test_columns_link_the_id_and_mark_the_priority(self, client, agent, customer):
        ticket = TicketFactory(requester=customer, priority=P.CRITICAL)
        client.force_login(agent)
        html = client.get(CHANGELIST).content.decode()
        assert f'<a href="{change_url(ticket)}">{ticket.reference}</a>' in html
        assert 'class="console-prio console-prio-1"' in html

    @pytest.mark.parametrize(
        ("status_param", "expected"),
        [("all", {"new", "waiting", "resolved", "closed"}), ("closed", {"closed"}),
         ("waiting", {"waiting"}), ("open", {"new", "waiting"})],
    )  # fmt: skip
    def test_status_filter(self, client, agent, customer, status_param, expected):
        tickets = {s: TicketFactory(requester=customer, status=s) for s in expected | {"new"}}
        for status in ("waiting", "resolved", "closed"):
            tickets.setdefault(status, TicketFactory(requester=customer, status=status))
        client.force_login(agent)
        response = client.get(CHANGELIST, {"status": status_param})
        assert {Ticket.objects.get(pk=pk).status for pk in listed(response)} == expected

    def test_engineer_filter_me_unassigned_and_a_named_engineer(
        self, client, agent, other_agent, customer
    ):
        mine = TicketFactory(requester=customer, assignee=agent)
        theirs = TicketFactory(requester=customer, assignee=other_agent)
        nobodys = TicketFactory(requester=customer)
        client.force_login(agent)
        assert listed(client.get(CHANGELIST, {"engineer": "me"})) == [mine.pk]
        assert listed(client.get(CHANGELIST, {"engineer": "none"})) == [nobodys.pk]
        assert listed(client.get(CHANGELIST, {"engineer": other_agent.pk})) == [theirs.pk]

    def test_engineer_filter_offers_active_staff_only(self, client, agent, other_agent, customer):
        gone = StaffUserFactory(email="gone@support.test", is_active=False)
        client.force_login(agent)
        response = client.get(CHANGELIST)
        [engineer_filter] = [
            spec
            for spec in response.context["cl"].filter_specs
            if getattr(spec, "parameter_name", None) == "engineer"
        ]
        offered = {value for value, _label in engineer_filter.lookup_choices}
        assert {"me", "none", str(agent.pk), str(other_agent.pk)} <= offered
        assert str(gone.pk) not in offered and str(customer.pk) not in offered

    def test_type_priority_organisation_and_blocking_filters(
        self, client, agent, customer, other_org_customer
    ):
        problem = TicketFactory(requester=customer, type=Ticket.Type.PROBLEM)
        low = TicketFactory(requester=customer, priority=P.LOW)
        blocking = TicketFactory(requester=customer, blocks_work=True)
        elsewhere = TicketFactory(requester=other_org_customer)
        client.force_login(agent)
        assert listed(client.get(CHANGELIST, {"type__exact": "problem"})) == [problem.pk]
        assert listed(client.get(CHANGELIST, {"priority__exact": P.LOW})) == [low.pk]
        assert listed(client.get(CHANGELIST, {"blocks_work__exact": 1})) == [blocking.pk]
        by_org = {"organization__id__exact": other_org_customer.organization_id}
        assert listed(client.get(CHANGELIST, by_org)) == [elsewhere.pk]

    def test_waiting_for_customer_longer_than_n_days(self, client, agent, customer):
        now = timezone.now()

        def waiting(since, status=S.WAITING):
            return TicketFactory(requester=customer, status=status, status_changed_at=since,
                                 last_activity_at=since)  # fmt: skip

        long_ago = waiting(now - timedelta(days=4))
        waiting(now - timedelta(days=2))
        waiting(now - timedelta(hours=2))
        waiting(now - timedelta(days=9), status=S.IN_PROGRESS)
        client.force_login(agent)
        assert listed(client.get(CHANGELIST, {"waiting_days": 3})) == [long_ago.pk]
        assert listed(client.get(CHANGELIST, {"waiting_days": 7})) == []
        assert len(listed(client.get(CHANGELIST, {"waiting_days": 1}))) == 2
        # An internal note is activity, but the customer has still not answered.
        lifecycle.add_note(long_ago, actor=agent, body="Позвонить клиенту?")
        assert listed(client.get(CHANGELIST, {"waiting_days": 3})) == [long_ago.pk]

    def test_a_malformed_filter_value_is_not_an_error_page(self, client, agent):
        client.force_login(agent)
        for params in ({"status": "nonsense"}, {"engineer": "x"}, {"waiting_days": "2"}):
            response = client.get(CHANGELIST, params)
            assert response.status_code == 302 and "e=1" in response.url

    @pytest.mark.parametrize("term", ["PT-{pk}", "pt-{pk}", "{pk}"])
    def test_search_by_id_finds_the_request_in_any_status(self, client, agent, customer, term):
        wanted = TicketFactory(requester=customer, status=S.CLOSED)
        TicketFactory(requester=customer)
        client.force_login(agent)
        assert listed(client.get(CHANGELIST, {"q": term.format(pk=wanted.pk)})) == [wanted.pk]

    def test_search_by_subject_organisation_email_and_text(
        self, client, agent, customer, other_org_customer
    ):
        by_subject = TicketFactory(requester=customer, subject="Обрыв линии E1", description="-")
        by_text = TicketFactory(requester=customer, subject="-", description="журнал SIP 503")
        elsewhere = TicketFactory(requester=other_org_customer, subject="-", description="-")
        client.force_login(agent)

        def found(term):
            return set(listed(client.get(CHANGELIST, {"q": term})))

        assert found("Обрыв") == {by_subject.pk}  # SQLite folds the case of ASCII only
        assert found("SIP 503") == {by_text.pk}
        assert found("Beta Telecom") == {elsewhere.pk}
        assert found("client@beta") == {elsewhere.pk}

    def test_a_chosen_status_still_applies_to_a_search(self, client, agent, customer):
        TicketFactory(requester=customer, subject="Модем", status=S.CLOSED)
        open_one = TicketFactory(requester=customer, subject="Модем")
        client.force_login(agent)
        assert listed(client.get(CHANGELIST, {"q": "Модем", "status": "open"})) == [open_one.pk]

    @pytest.mark.parametrize("count", [10, 80])
    def test_query_count_does_not_grow_with_the_queue(
        self, client, supervisor, customer, other_org_customer, django_assert_max_num_queries, count
    ):
        StaffUserFactory.create_batch(5)
        for i in range(count):
            requester = customer if i % 2 else other_org_customer
            TicketFactory(requester=requester, assignee=supervisor if i % 3 else None)
        client.force_login(supervisor)
        # Session, user, 2× permissions, engineer filter, organisation filter, count, page,
        # engineers of the action bar.
        with django_assert_max_num_queries(9):
            assert client.get(CHANGELIST).status_code == 200
        with django_assert_max_num_queries(9):
            assert client.get(CHANGELIST, {"engineer": "me", "q": "a"}).status_code == 200


# --- Bulk actions ----------------------------------------------------------------------------


def run_action(client, action, tickets, **extra):
    data = {"action": action, "_selected_action": [t.pk for t in tickets], "index": 0, **extra}
    return client.post(CHANGELIST, data)


@pytest.mark.django_db
class TestBulkActions:
    def test_take_assigns_to_me_and_starts_work_reporting_refusals(self, client, agent, customer):
        new_one, new_two = TicketFactory.create_batch(2, requester=customer)
        closed = TicketFactory(requester=customer, status=S.CLOSED)
        client.force_login(agent)
        response = run_action(client, "take_selected", [new_one, new_two, closed])
        assert response.status_code == 302
        for ticket in (new_one, new_two):
            ticket.refresh_from_db()
            assert (ticket.status, ticket.assignee) == (S.IN_PROGRESS, agent)
        assert fresh(closed).assignee is None
        [success] = sent(response, messages.SUCCESS)
        assert success.startswith("2 ")
        [warning] = sent(response, messages.WARNING)
        assert closed.reference in warning and new_one.reference not in warning

    def test_supervisor_assigns_to_an_engineer(self, client, supervisor, agent, customer):
        tickets = TicketFactory.create_batch(2, requester=customer)
        client.force_login(supervisor)
        response = run_action(client, "assign_selected", tickets, engineer=agent.pk)
        assert [fresh(t).assignee for t in tickets] == [agent, agent]
        assert sent(response, messages.SUCCESS)
        event = TicketEvent.objects.filter(ticket=tickets[0], kind=Kind.ASSIGNED).get()
        assert event.actor == supervisor

    def test_assign_without_an_engineer_changes_nothing(self, client, supervisor, ticket):
        client.force_login(supervisor)
        response = run_action(client, "assign_selected", [ticket])
        assert fresh(ticket).assignee is None
        assert len(sent(response, messages.ERROR)) == 1

    def test_agent_cannot_use_assign_to_an_engineer(self, client, agent, other_agent, ticket):
        client.force_login(agent)
        page = client.get(CHANGELIST)
        choices = [name for name, _label in page.context["action_form"].fields["action"].choices]
        assert "assign_selected" not in choices and "take_selected" in choices
        assert "engineer" not in page.context["action_form"].fields
        response = run_action(client, "assign_selected", [ticket], engineer=other_agent.pk)
        assert fresh(ticket).assignee is None
        assert sent(response, messages.WARNING)  # "No action selected."

    def test_supervisor_sees_the_engineer_choice(self, client, supervisor):
        client.force_login(supervisor)
        form = client.get(CHANGELIST).context["action_form"]
        assert "engineer" in form.fields and "assign_selected" in dict(
            form.fields["action"].choices
        )

    def test_set_priority(self, client, agent, customer):
        tickets = TicketFactory.create_batch(2, requester=customer)
        client.force_login(agent)
        response = run_action(client, "set_priority_of_selected", tickets, priority=P.CRITICAL)
        assert [fresh(t).priority for t in tickets] == [P.CRITICAL, P.CRITICAL]
        assert TicketEvent.objects.filter(kind=Kind.PRIORITY_CHANGED).count() == 2
        assert sent(response, messages.SUCCESS)

    def test_set_priority_without_a_priority_changes_nothing(self, client, agent, ticket):
        client.force_login(agent)
        response = run_action(client, "set_priority_of_selected", [ticket], priority="")
        assert fresh(ticket).priority == P.NORMAL
        assert len(sent(response, messages.ERROR)) == 1

    def test_close_reports_an_already_closed_request(self, client, agent, customer):
        open_one = TicketFactory(requester=customer)
        closed = TicketFactory(requester=customer, status=S.CLOSED)
        client.force_login(agent)
        response = client.post(
            f"{CHANGELIST}?status=all",
            {"action": "close_selected", "_selected_action": [open_one.pk, closed.pk], "index": 0},
        )
        assert fresh(open_one).status == S.CLOSED
        assert fresh(open_one).close_reason == Ticket.CloseReason.SUPPORT
        [warning] = sent(response, messages.WARNING)
        with translation.override("ru"):
            reason = lifecycle.ACTION_LABELS[lifecycle.Action.CLOSE]
            assert closed.reference in warning and str(reason) in warning
        assert sent(response, messages.SUCCESS)

    def test_a_request_that_left_the_filter_meanwhile_is_reported_not_skipped(
        self, client, agent, other_agent, ticket
    ):
        lifecycle.close(ticket, actor=other_agent)  # between page load and the click
        client.force_login(agent)
        response = run_action(client, "close_selected", [ticket])  # default filter: open only
        [warning] = sent(response, messages.WARNING)
        assert ticket.reference in warning
        assert not sent(response, messages.SUCCESS)


# --- The request page ---------------------------------------------------------------------


def loaded_form(client, ticket):
    """What the change form posts back if nothing is touched: fields plus hidden version."""
    response = client.get(change_url(ticket))
    form = response.context["adminform"].form
    return {
        "priority": form["priority"].value(),
        "assignee": form["assignee"].value() or "",
        "executors": [str(pk) for pk in form["executors"].value()],
        "loaded_version": form["loaded_version"].value(),
        "loaded_values": form["loaded_values"].value(),
        "_save": "Save",
    }


@pytest.mark.django_db
class TestRequestPage:
    def test_shows_the_request_and_only_the_buttons_the_lifecycle_allows(
        self, client, agent, ticket
    ):
        client.force_login(agent)
        response = client.get(change_url(ticket))
        html = response.content.decode()
        assert 'id="ticket-status"' in html
        assert 'id="action-take"' in html and 'id="action-close"' in html
        assert 'id="action-reopen"' not in html
        assert {"compose-reply", "compose-note", "compose-request_info", "compose-resolve"} <= set(
            re.findall(r'id="(compose-[a-z_]+)"', html)
        )
        assert f'name="loaded_version" value="{ticket.version}"' in html

    def test_a_resolved_request_offers_reopen_and_close_but_not_resolve(
        self, client, agent, customer
    ):
        resolved = TicketFactory(requester=customer, status=S.RESOLVED)
        client.force_login(agent)
        html = client.get(change_url(resolved)).content.decode()
        assert 'id="action-reopen"' in html and 'id="action-close"' in html
        assert 'id="action-take"' not in html and 'id="compose-resolve"' not in html

    def test_no_adding_or_deleting_requests_in_the_console(self, client, administrator, ticket):
        client.force_login(administrator)
        assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403
        assert (
            client.get(reverse("admin:tickets_ticket_delete", args=[ticket.pk])).status_code == 403
        )

    def test_saving_the_priority_goes_through_the_lifecycle(self, client, agent, ticket):
        client.force_login(agent)
        data = loaded_form(client, ticket) | {"priority": P.CRITICAL, "subject": "changed"}
        response = client.post(change_url(ticket), data)
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.priority == P.CRITICAL and ticket.subject != "changed"
        assert ticket.version == 2
        event = TicketEvent.objects.get(ticket=ticket, kind=Kind.PRIORITY_CHANGED)
        assert event.actor == agent and event.data == {"from": P.NORMAL, "to": P.CRITICAL}

    def test_agent_takes_the_request_through_the_engineer_field(self, client, agent, ticket):
        client.force_login(agent)
        client.post(change_url(ticket), loaded_form(client, ticket) | {"assignee": agent.pk})
        assert fresh(ticket).assignee == agent
        assert TicketEvent.objects.filter(ticket=ticket, kind=Kind.ASSIGNED, actor=agent).exists()

    def test_agent_cannot_assign_another_engineer(self, client, agent, other_agent, ticket):
        client.force_login(agent)
        form = client.get(change_url(ticket)).context["adminform"].form
        assert set(form.fields["assignee"].queryset) == {agent}
        data = loaded_form(client, ticket) | {"assignee": other_agent.pk}
        response = client.post(change_url(ticket), data)
        assert response.status_code == 200 and response.context["adminform"].form.errors
        assert fresh(ticket).assignee is None

    def test_supervisor_assigns_another_engineer_and_sets_executors(
        self, client, supervisor, agent, other_agent, ticket
    ):
        client.force_login(supervisor)
        data = loaded_form(client, ticket) | {
            "assignee": agent.pk, "executors": [other_agent.pk], "priority": P.HIGH,
        }  # fmt: skip
        assert client.post(change_url(ticket), data).status_code == 302
        ticket.refresh_from_db()
        assert ticket.assignee == agent and list(ticket.executors.all()) == [other_agent]
        kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
        assert {Kind.ASSIGNED, Kind.EXECUTORS_CHANGED, Kind.PRIORITY_CHANGED} <= kinds

    def test_a_lifecycle_refusal_on_save_rolls_everything_back(
        self, client, supervisor, agent, customer
    ):
        closed = TicketFactory(requester=customer, status=S.CLOSED)
        client.force_login(supervisor)
        data = loaded_form(client, closed) | {"assignee": agent.pk}
        response = client.post(change_url(closed), data)
        assert closed.reference in refused(response)
        assert fresh(closed).assignee is None

    def test_concurrent_edit_is_refused_naming_what_changed(
        self, client, agent, other_agent, ticket
    ):
        client.force_login(agent)
        data = loaded_form(client, ticket) | {"priority": P.LOW}
        lifecycle.set_priority(ticket, actor=other_agent, priority=P.CRITICAL)

        response = client.post(change_url(ticket), data)
        assert response.status_code == 200
        [error] = response.context["adminform"].form.non_field_errors()
        assert "приоритет" in error and "инженер" not in error
        assert fresh(ticket).priority == P.CRITICAL
        assert TicketEvent.objects.filter(kind=Kind.PRIORITY_CHANGED).count() == 1

    def test_concurrent_message_alone_still_refuses_the_save(self, client, agent, customer, ticket):
        client.force_login(agent)
        data = loaded_form(client, ticket) | {"priority": P.HIGH}
        lifecycle.reply(ticket, actor=customer, body="Ещё подробности")

        response = client.post(change_url(ticket), data)
        assert response.status_code == 200 and response.context["adminform"].form.errors
        assert fresh(ticket).priority == P.NORMAL

    def test_query_count_does_not_grow_with_the_conversation(
        self, client, agent, customer, django_assert_max_num_queries
    ):
        counts = {}
        for size in (3, 30):
            ticket = TicketFactory(requester=customer, assignee=agent)
            for i in range(size):
                comment = lifecycle.reply(ticket, actor=customer if i % 2 else agent, body=f"m{i}")
                AttachmentFactory(ticket=ticket, comment=comment)
                lifecycle.add_note(ticket, actor=agent, body=f"n{i}")
            ticket.related.add(TicketFactory(requester=customer))
            client.force_login(agent)
            client.get(change_url(ticket))  # warm the content-type cache of "view on site"
            # Session, user, request, 2× permissions, executors, history, messages, their
            # files, request files, 3× engineers to choose from (the engineer select has no
            # blank choice for an agent, so Django peeks at its first one), related requests.
            with django_assert_max_num_queries(14) as captured:
                response = client.get(change_url(ticket))
            assert response.status_code == 200
            assert response.content.decode().count('class="console-files"') == size
            counts[size] = len(captured)
        assert counts[3] == counts[30]


@pytest.mark.django_db
class TestConversation:
    def test_internal_notes_are_told_apart_from_public_replies(self, client, agent, ticket):
        public = lifecycle.reply(ticket, actor=agent, body="Для клиента")
        note = lifecycle.add_note(ticket, actor=agent, body="Только для нас")
        client.force_login(agent)
        html = client.get(change_url(ticket)).content.decode()
        classes = dict(
            (int(pk), css)
            for css, pk in re.findall(r'<article class="([^"]*)" id="comment-(\d+)"', html)
        )
        assert "console-internal" not in classes[public.pk]
        assert "console-internal" in classes[note.pk]
        note_head = html.split(f'id="comment-{note.pk}"', 1)[1].split("</header>", 1)[0]
        assert "console-label-internal" in note_head

    def test_attachments_link_to_the_checked_download(self, client, agent, ticket):
        note = lifecycle.add_note(ticket, actor=agent, body="лог")
        of_note = AttachmentFactory(ticket=ticket, comment=note)
        of_request = AttachmentFactory(ticket=ticket)
        client.force_login(agent)
        html = client.get(change_url(ticket)).content.decode()
        for attachment in (of_note, of_request):
            args = [ticket.reference, attachment.pk, "screenshot.png"]
            url = reverse("tickets:attachment", args=args)
            assert f'href="{url}"' in html
            assert client.get(url).status_code == 200

    def test_history_lists_every_event_with_actor_and_statuses(self, client, agent, ticket):
        lifecycle.take(ticket, actor=agent)
        lifecycle.add_note(ticket, actor=agent, body="x")
        client.force_login(agent)
        response = client.get(change_url(ticket))
        html = response.content.decode()
        rows = re.findall(r'<tr class="console-event console-event-([a-z_]+)', html)
        assert rows == list(ticket.events.values_list("kind", flat=True))
        assert Kind.STATUS_CHANGED in rows and Kind.NOTE_ADDED in rows


def compose(client, ticket, mode, body, files=(), status=None):
    data = {"body": body, "files": list(files)}
    if status is not None:
        data["status"] = status
    return client.post(act_url(ticket, mode), data)


@pytest.mark.django_db
class TestComposeBox:
    def test_public_reply_with_a_file(self, client, agent, ticket):
        client.force_login(agent)
        log = SimpleUploadedFile("trace.log", b"INVITE 503", content_type="text/plain")
        response = compose(client, ticket, "reply", "Проверили линию", [log])
        assert response.status_code == 302
        comment = Comment.objects.get(ticket=ticket)
        assert not comment.is_internal and comment.attachments.get().original_name == "trace.log"
        assert fresh(ticket).status == S.IN_PROGRESS  # support answered a new request

    def test_internal_note(self, client, agent, ticket):
        client.force_login(agent)
        compose(client, ticket, "note", "Похоже на проблему у оператора")
        assert Comment.objects.get(ticket=ticket).is_internal
        assert fresh(ticket).status == S.NEW

    def test_request_information_waits_for_the_customer(self, client, agent, ticket):
        client.force_login(agent)
        compose(client, ticket, "request_info", "Пришлите дамп трафика", status=S.NEW)
        ticket.refresh_from_db()
        assert ticket.status == S.WAITING
        assert TicketEvent.objects.get(ticket=ticket, kind=Kind.INFO_REQUESTED).comment

    def test_resolve_proposes_the_solution_publicly(self, client, agent, ticket):
        client.force_login(agent)
        response = compose(client, ticket, "resolve", "Перезапустите шлюз", status=S.NEW)
        assert fresh(ticket).status == S.RESOLVED
        assert not Comment.objects.get(ticket=ticket).is_internal
        assert sent(response, messages.SUCCESS)

    def test_empty_text_is_refused_and_nothing_is_written(self, client, agent, ticket):
        client.force_login(agent)
        response = compose(client, ticket, "reply", "  ")
        assert response.status_code == 400
        assert response.context["console"]["compose_form"].errors
        assert not Comment.objects.exists()

    def test_a_refused_file_keeps_the_typed_text(self, client, agent, ticket):
        client.force_login(agent)
        bad = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
        response = compose(client, ticket, "reply", "Текст, который нельзя потерять", [bad])
        assert response.status_code == 400
        html = response.content.decode()
        assert "Текст, который нельзя потерять</textarea>" in html
        assert f'action="{change_url(ticket)}"' in html  # "Save" still saves the request
        assert not Comment.objects.exists()

    def test_a_refused_transition_keeps_the_typed_text(self, client, agent, customer):
        closed = TicketFactory(requester=customer, status=S.CLOSED)
        client.force_login(agent)
        response = compose(client, closed, "resolve", "Решение, которое нельзя потерять")
        assert closed.reference in refused(response)
        assert "Решение, которое нельзя потерять</textarea>" in response.content.decode()
        assert fresh(closed).status == S.CLOSED and not Comment.objects.exists()

    def test_a_stale_page_cannot_resolve(self, client, agent, other_agent, ticket):
        lifecycle.take(ticket, actor=other_agent)
        client.force_login(agent)
        response = compose(client, ticket, "resolve", "Готово", status=S.NEW)
        assert response.status_code == 400
        assert fresh(ticket).status == S.IN_PROGRESS

    def test_customer_cannot_use_the_compose_box(self, client, customer, ticket):
        client.force_login(customer)
        response = compose(client, ticket, "reply", "Я клиент")
        assert response.status_code == 302 and not Comment.objects.exists()


@pytest.mark.django_db
class TestStatusButtons:
    @pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR])
    def test_staff_take_a_new_request(self, client, role, ticket):
        engineer = StaffUserFactory(role=role)
        client.force_login(engineer)
        response = client.post(act_url(ticket, "take"), {"status": S.NEW})
        assert response.status_code == 302 and response.url == change_url(ticket)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee) == (S.IN_PROGRESS, engineer)
        assert sent(response, messages.SUCCESS)

    def test_reopen_and_close(self, client, agent, customer):
        resolved = TicketFactory(requester=customer, status=S.RESOLVED)
        client.force_login(agent)
        client.post(act_url(resolved, "reopen"), {"status": S.RESOLVED})
        assert fresh(resolved).status == S.IN_PROGRESS
        client.post(act_url(resolved, "close"), {"status": S.IN_PROGRESS})
        assert fresh(resolved).status == S.CLOSED

    def test_a_refused_button_shows_the_reason(self, client, agent, ticket):
        client.force_login(agent)
        response = client.post(act_url(ticket, "reopen"))
        assert ticket.reference in refused(response)
        assert fresh(ticket).status == S.NEW

    def test_taking_from_a_stale_page_does_not_steal_the_request(
        self, client, agent, other_agent, ticket
    ):
        lifecycle.take(ticket, actor=other_agent)
        client.force_login(agent)
        response = client.post(act_url(ticket, "take"), {"status": S.NEW})
        assert fresh(ticket).assignee == other_agent
        assert ticket.reference in refused(response)

    def test_only_post_and_only_known_actions(self, client, agent, ticket):
        client.force_login(agent)
        assert client.get(act_url(ticket, "take")).status_code == 405
        assert client.get(reverse("admin:tickets_ticket_link", args=[ticket.pk])).status_code == 405
        assert client.post(act_url(ticket, "confirm")).status_code == 404
        assert client.post(act_url(ticket, "delete")).status_code == 404

    def test_customer_cannot_press_buttons(self, client, customer, ticket):
        client.force_login(customer)
        response = client.post(act_url(ticket, "close"))
        assert response.status_code == 302 and fresh(ticket).status == S.NEW


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

    def test_an_internal_note_cannot_be_split_off(self, client, agent, ticket):
        note = lifecycle.add_note(ticket, actor=agent, body="внутреннее")
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_split", args=[ticket.pk, note.pk])
        response = client.post(url, {"subject": "Тема"})
        assert Ticket.objects.count() == 1 and refused(response)

    def test_split_needs_a_subject(self, client, agent, customer, ticket):
        message = CommentFactory(ticket=ticket, author=customer)
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_split", args=[ticket.pk, message.pk])
        response = client.post(url, {"subject": ""})
        assert Ticket.objects.count() == 1 and "тему" in refused(response)

    def test_link_two_requests_by_reference(self, client, agent, customer, ticket):
        other = TicketFactory(requester=customer)
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_link", args=[ticket.pk])
        response = client.post(url, {"reference": f"pt-{other.pk}"})
        assert list(ticket.related.all()) == [other] and sent(response, messages.SUCCESS)
        html = client.get(change_url(ticket)).content.decode()
        assert f'<a href="{change_url(other)}">{other.reference}</a>' in html

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


# --- Roles around the console --------------------------------------------------------------


@pytest.mark.django_db
class TestRoles:
    def test_agent_works_requests_but_cannot_edit_organisations_or_users(
        self, client, agent, customer
    ):
        organization = customer.organization
        client.force_login(agent)
        org_url = reverse("admin:accounts_organization_change", args=[organization.pk])
        assert client.get(org_url).status_code == 200  # may look
        client.post(org_url, {"name": "Renamed", "is_active": "on"})
        organization.refresh_from_db()
        assert organization.name == "Alpha Telecom"
        assert client.get(reverse("admin:accounts_organization_add")).status_code == 403
        user_url = reverse("admin:accounts_user_change", args=[customer.pk])
        client.post(user_url, {"email": customer.email, "full_name": "X", "role": Role.AGENT})
        assert User.objects.get(pk=customer.pk).role == Role.CUSTOMER

    def test_agent_has_no_contract_rights_and_supervisor_does(self, agent, supervisor):
        agent = User.objects.get(pk=agent.pk)
        supervisor = User.objects.get(pk=supervisor.pk)
        assert agent.has_perm("sla.view_contract") and not agent.has_perm("sla.change_contract")
        assert supervisor.has_perm("sla.change_contract")
        assert supervisor.has_perm("tickets.assign_others")
        assert not agent.has_perm("tickets.assign_others")

    def test_administrator_assigns_in_bulk(self, client, administrator, agent, ticket):
        client.force_login(administrator)
        run_action(client, "assign_selected", [ticket], engineer=agent.pk)
        assert fresh(ticket).assignee == agent

    def test_an_inactive_engineer_cannot_be_chosen(self, client, supervisor, ticket):
        gone = StaffUserFactory(is_active=False)
        client.force_login(supervisor)
        response = run_action(client, "assign_selected", [ticket], engineer=gone.pk)
        assert fresh(ticket).assignee is None and sent(response, messages.ERROR)

    def test_customers_of_another_organisation_are_no_engineers(self, client, supervisor, ticket):
        outsider = UserFactory(organization=OrganizationFactory())
        client.force_login(supervisor)
        run_action(client, "assign_selected", [ticket], engineer=outsider.pk)
        assert fresh(ticket).assignee is None
