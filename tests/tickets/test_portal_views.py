"""The customer portal: list, file, follow and answer requests. Every test has a refused user."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django_q.models import OrmQ

from tests.factories import TINY_PNG, StaffUserFactory, TicketFactory
from tickets import lifecycle
from tickets.models import Attachment, Comment, Ticket, TicketEvent

S = Ticket.Status
LIST = reverse("tickets:list")
NEW = reverse("tickets:new")
LOGIN = reverse("accounts:login")
CHANGELIST = reverse("admin:tickets_ticket_changelist")
ACTIONS = ("reply", "confirm", "dispute", "withdraw")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png(name="screenshot.png"):
    return SimpleUploadedFile(name, TINY_PNG, content_type="image/png")


def html(response) -> str:
    return unescape(response.content.decode())


def action_url(name, ticket) -> str:
    return reverse(f"tickets:{name}", kwargs={"reference": ticket.reference})


def listed(response) -> list[Ticket]:
    return list(response.context["page"].object_list)


# SQLite's LIKE folds the case of ASCII letters only: on SQLite, "маршрутизатор" does not
# find "Маршрутизатор". PostgreSQL (production) folds Cyrillic too.


def bring_to(ticket, status, *, agent):
    """Move a request through the lifecycle, as support and its customer would."""
    customer = ticket.requester
    if status == S.NEW:
        return ticket
    lifecycle.take(ticket, actor=agent)
    if status == S.WAITING:
        lifecycle.request_info(ticket, actor=agent, question="Какая версия прошивки?")
    elif status in (S.RESOLVED, S.CLOSED):
        lifecycle.resolve(ticket, actor=agent, solution="Перезагрузите коммутатор.")
        if status == S.CLOSED:
            lifecycle.confirm(ticket, actor=customer)
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


def nothing_was_created() -> bool:
    return not any(model.objects.exists() for model in (Ticket, Attachment, TicketEvent))


# --- The list ---------------------------------------------------------------------------------


class TestListVisibility:
    def test_customer_sees_only_own_requests_not_a_colleagues(self, client, customer, colleague):
        own = TicketFactory(requester=customer)
        TicketFactory(requester=colleague)
        client.force_login(customer)
        response = client.get(LIST)
        assert response.status_code == 200
        assert listed(response) == [own]
        assert "Мои обращения" in html(response)

    def test_customer_manager_sees_the_whole_organisation(
        self, client, customer, colleague, customer_manager, other_org_customer
    ):
        tickets = {TicketFactory(requester=customer), TicketFactory(requester=colleague)}
        TicketFactory(requester=other_org_customer)
        client.force_login(customer_manager)
        response = client.get(LIST)
        assert set(listed(response)) == tickets
        assert "Обращения организации Alpha Telecom" in html(response)
        assert customer.full_name in html(response)  # the requester column

    def test_other_organisations_customer_sees_none_of_them(
        self, client, customer, colleague, other_org_customer, other_org_manager
    ):
        TicketFactory(requester=customer)
        TicketFactory(requester=colleague)
        for user in (other_org_customer, other_org_manager):
            client.force_login(user)
            response = client.get(LIST)
            assert listed(response) == []
            assert "У вас пока нет обращений" in html(response)

    def test_staff_are_sent_to_the_console(self, client, agent):
        client.force_login(agent)
        response = client.get(LIST)
        assert response.status_code == 302
        assert response.url == CHANGELIST

    def test_anonymous_visitor_is_sent_to_login(self, client):
        response = client.get(LIST)
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


class TestListFilters:
    @pytest.fixture
    def tickets(self, customer, colleague):
        TicketFactory(requester=colleague, status=S.WAITING, type=Ticket.Type.PROBLEM)
        return {
            "new_incident": TicketFactory(requester=customer),
            "waiting_problem": TicketFactory(
                requester=customer, status=S.WAITING, type=Ticket.Type.PROBLEM, priority=2
            ),
            "closed_change": TicketFactory(
                requester=customer, status=S.CLOSED, type=Ticket.Type.CHANGE_REQUEST, priority=4
            ),
        }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"status": S.WAITING}, {"waiting_problem"}),
            ({"status": S.CLOSED}, {"closed_change"}),
            ({"status": S.RESOLVED}, set()),
            ({"type": Ticket.Type.PROBLEM}, {"waiting_problem"}),
            ({"type": Ticket.Type.INCIDENT}, {"new_incident"}),
            ({"priority": "4"}, {"closed_change"}),
            ({"priority": "3"}, {"new_incident"}),
            ({"status": S.WAITING, "type": Ticket.Type.INCIDENT}, set()),
        ],
    )
    def test_filters_narrow_the_customers_own_requests(
        self, client, customer, tickets, query, expected
    ):
        client.force_login(customer)
        response = client.get(LIST, query)
        assert response.status_code == 200
        assert set(listed(response)) == {tickets[name] for name in expected}
        if not expected:
            assert "Нет обращений, подходящих под фильтр." in html(response)

    def test_status_counts_cover_only_what_the_user_may_see(
        self, client, customer, other_org_customer, tickets
    ):
        TicketFactory(requester=other_org_customer, status=S.CLOSED)
        client.force_login(customer)
        response = client.get(LIST, {"type": Ticket.Type.PROBLEM})  # counts ignore the filter
        counts = {value: count for value, _label, count in response.context["status_counts"]}
        assert counts == {S.NEW: 1, S.IN_PROGRESS: 0, S.WAITING: 1, S.RESOLVED: 0, S.CLOSED: 1}
        assert re.search(r"Закрыто <span class=\"count\">1</span>", html(response))

    def test_the_filter_shows_the_chosen_values_and_is_refused_to_staff(
        self, client, customer, agent, tickets
    ):
        client.force_login(customer)
        page = html(client.get(LIST, {"status": S.WAITING, "q": "SIP <b>", "sort": "created"}))
        assert f'<option value="{S.WAITING}" selected>Ожидает ответа клиента</option>' in page
        assert '<option value="created" selected>Сначала старые</option>' in page
        assert '<option value="" selected>Любой тип</option>' in page
        escaped = client.get(LIST, {"q": "SIP <b>"}).content.decode()
        assert 'name="q" value="SIP &lt;b&gt;" maxlength="200" id="id_q"' in escaped
        client.force_login(agent)
        assert client.get(LIST).status_code == 302

    def test_status_count_links_filter_the_list(self, client, customer, tickets):
        client.force_login(customer)
        page = html(client.get(LIST))
        assert f'href="?status={S.WAITING}"' in page
        response = client.get(LIST, {"status": S.WAITING})
        assert f'href="?status={S.WAITING}" aria-current="true"' in html(response)


class TestListSearch:
    @pytest.fixture
    def tickets(self, customer, agent):
        router = TicketFactory(
            requester=customer, subject="Маршрутизатор теряет BGP-сессию", description="Сбой."
        )
        lifecycle.take(router, actor=agent)
        lifecycle.reply(router, actor=agent, body="Пришлите дамп трафика с интерфейса ge-0/0/1.")
        lifecycle.add_note(router, actor=agent, body="Похоже на баг вендора, тикет JTAC-4711.")
        billing = TicketFactory(
            requester=customer, subject="Счёт за октябрь", description="Вопрос."
        )
        return router, billing

    @pytest.mark.parametrize(
        "text",
        [
            "Маршрутизатор",
            "bgp",
            "дамп трафика",
            "ge-0/0/1",
            "маршрутизатор",
            "ДАМП ТРАФИКА",
        ],
    )
    def test_customer_finds_a_request_by_subject_word_or_public_message(
        self, client, customer, tickets, text
    ):
        router, _billing = tickets
        client.force_login(customer)
        assert listed(client.get(LIST, {"q": text})) == [router]

    @pytest.mark.parametrize("form", ["PT-{pk}", "pt-{pk}", "{pk}", " PT-{pk} "])
    def test_customer_finds_a_request_by_its_id(self, client, customer, tickets, form):
        _router, billing = tickets
        client.force_login(customer)
        assert listed(client.get(LIST, {"q": form.format(pk=billing.pk)})) == [billing]

    def test_search_never_matches_internal_note_text_for_customers(
        self, client, customer, customer_manager, tickets
    ):
        for user in (customer, customer_manager):
            client.force_login(user)
            response = client.get(LIST, {"q": "JTAC-4711"})
            assert listed(response) == []
            assert "Нет обращений, подходящих под фильтр." in html(response)

    def test_search_by_id_does_not_reveal_a_colleagues_request(
        self, client, customer, colleague, tickets
    ):
        foreign = TicketFactory(requester=colleague, subject="Маршрутизатор коллеги")
        client.force_login(customer)
        assert listed(client.get(LIST, {"q": foreign.reference})) == []
        assert foreign not in listed(client.get(LIST, {"q": "маршрутизатор"}))


class TestListSortingAndPages:
    def test_sort_options_order_the_list(self, client, customer, colleague):
        now = timezone.now()
        old = TicketFactory(
            requester=customer, created_at=now - timedelta(days=3), priority=3,
            last_activity_at=now,
        )  # fmt: skip
        middle = TicketFactory(
            requester=customer, created_at=now - timedelta(days=2), priority=1,
            last_activity_at=now - timedelta(days=2),
        )  # fmt: skip
        recent = TicketFactory(
            requester=customer, created_at=now - timedelta(days=1), priority=4,
            last_activity_at=now - timedelta(hours=1),
        )  # fmt: skip
        TicketFactory(requester=colleague, priority=1)
        client.force_login(customer)
        assert listed(client.get(LIST)) == [recent, middle, old]
        assert listed(client.get(LIST, {"sort": "-created"})) == [recent, middle, old]
        assert listed(client.get(LIST, {"sort": "created"})) == [old, middle, recent]
        assert listed(client.get(LIST, {"sort": "-activity"})) == [old, recent, middle]
        assert listed(client.get(LIST, {"sort": "priority"})) == [middle, old, recent]

    def test_list_is_paginated_and_pages_keep_the_filter(self, client, customer, colleague):
        TicketFactory.create_batch(30, requester=customer, type=Ticket.Type.PROBLEM)
        TicketFactory.create_batch(3, requester=colleague, type=Ticket.Type.PROBLEM)
        client.force_login(customer)
        first = client.get(LIST, {"type": Ticket.Type.PROBLEM})
        assert len(listed(first)) == 25
        assert "Страница 1 из 2" in html(first)
        assert "type=problem&page=2" in html(first)
        second = client.get(LIST, {"type": Ticket.Type.PROBLEM, "page": 2})
        assert len(listed(second)) == 5
        assert not set(listed(first)) & set(listed(second))

    @pytest.mark.parametrize(
        ("query", "error_field"),
        [
            ({"priority": "abc"}, "priority"),
            ({"priority": "9"}, "priority"),
            ({"status": "bogus"}, "status"),
            ({"type": "<script>"}, "type"),
            ({"sort": "password"}, "sort"),
            ({"q": "x" * 300}, "q"),
        ],
    )
    def test_invalid_filter_values_show_a_form_error_not_a_500(
        self, client, customer, colleague, query, error_field
    ):
        own = TicketFactory(requester=customer)
        TicketFactory(requester=colleague)
        client.force_login(customer)
        response = client.get(LIST, query)
        assert response.status_code == 200
        assert error_field in response.context["form"].errors
        assert 'class="errors" role="alert"' in html(response)
        assert listed(response) == [own]  # the invalid filter is ignored, not half-applied

    @pytest.mark.parametrize("text", ["²", "PT-²"])
    def test_search_for_a_superscript_digit_is_not_an_error(self, client, customer, text):
        TicketFactory(requester=customer)
        client.force_login(customer)
        assert client.get(LIST, {"q": text}).status_code == 200

    @pytest.mark.parametrize(("page", "expected"), [("999", 2), ("abc", 1), ("0", 2), ("-1", 2)])
    def test_out_of_range_or_malformed_page_numbers_are_not_errors(
        self, client, customer, page, expected
    ):
        TicketFactory.create_batch(26, requester=customer)
        client.force_login(customer)
        response = client.get(LIST, {"page": page})
        assert response.status_code == 200
        assert response.context["page"].number == expected

    # Session, user, status counts (which give the total), one page of rows with requester and
    # engineer: no separate count; the first page of a process also reads the status notices
    # (tickets.notices), once.
    LIST_QUERIES = 5

    @pytest.mark.parametrize("count", [5, 60])
    @pytest.mark.parametrize("role", ["customer", "customer_manager"])
    def test_list_query_count_does_not_grow_with_the_number_of_requests(
        self, client, request, django_assert_max_num_queries, customer, colleague, count, role
    ):
        agent = StaffUserFactory()
        for i in range(count):
            TicketFactory(requester=(customer, colleague)[i % 2], assignee=agent)
        client.force_login(request.getfixturevalue(role))
        with django_assert_max_num_queries(self.LIST_QUERIES + 1):
            response = client.get(LIST, {"sort": "priority", "q": "a"})
        with django_assert_max_num_queries(self.LIST_QUERIES):
            response = client.get(LIST)
        assert response.status_code == 200
        assert agent.full_name in html(response)


# --- Filing a request -------------------------------------------------------------------------


def ticket_data(**overrides):
    return {
        "type": Ticket.Type.INCIDENT,
        "subject": "Не работает SIP-транк",
        "description": "С 10:00 входящие звонки не проходят, код 503.",
        "technical_details": "Asterisk 20.5, транк sip.alpha.test",
        **overrides,
    }


class TestNewRequest:
    def test_form_shows_the_four_types_with_their_explanations(self, client, customer):
        client.force_login(customer)
        response = client.get(NEW)
        assert response.status_code == 200
        page = response.content.decode()
        with translation.override("ru"):
            for value, label in Ticket.Type.choices:
                assert f'value="{value}"' in page
                assert escape(str(label)) in page
                assert escape(str(Ticket.TYPE_EXPLANATIONS[value])) in page
        assert page.count('type="radio" name="type"') == 4

    @pytest.mark.parametrize(
        ("type_", "blocks_work", "priority"),
        [
            (Ticket.Type.PROBLEM, False, Ticket.Priority.HIGH),
            (Ticket.Type.INCIDENT, False, Ticket.Priority.NORMAL),
            (Ticket.Type.INCIDENT, True, Ticket.Priority.HIGH),
            (Ticket.Type.SERVICE_REQUEST, False, Ticket.Priority.NORMAL),
            (Ticket.Type.CHANGE_REQUEST, False, Ticket.Priority.NORMAL),
        ],
    )
    def test_customer_files_a_request_with_its_initial_priority(
        self, client, customer, type_, blocks_work, priority
    ):
        client.force_login(customer)
        data = ticket_data(type=type_) | ({"blocks_work": "on"} if blocks_work else {})
        response = client.post(NEW, data)
        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert response.url == f"/tickets/PT-{ticket.pk}/"
        assert (ticket.requester, ticket.organization) == (customer, customer.organization)
        assert (ticket.type, ticket.priority, ticket.status) == (type_, priority, S.NEW)
        assert ticket.events.get().kind == TicketEvent.Kind.CREATED

    @pytest.mark.parametrize("with_file", [False, True], ids=["text", "screenshot"])
    def test_filing_takes_a_fixed_number_of_queries_and_queues_its_notification_within(
        self, settings, client, customer, database_broker, django_assert_max_num_queries, with_file
    ):
        # With the database cache, as without Redis in production: nothing is counted in it.
        assert "DatabaseCache" in settings.CACHES["default"]["BACKEND"]
        client.force_login(customer)
        client.post(NEW, ticket_data())  # warms the calendar cache, as in a running server
        OrmQ.objects.all().delete()
        # Session, user, the contract with its plan and targets; [the customer's files of the
        # day]; SAVEPOINT, request, [file], history entry, the notification task (django-q2's
        # database queue), RELEASE.
        with django_assert_max_num_queries(10 if with_file else 8):
            response = client.post(NEW, ticket_data(files=[png()] if with_file else []))

        assert response.status_code == 302
        ticket = Ticket.objects.order_by("pk").last()
        assert ticket.attachments.count() == (1 if with_file else 0)
        [task] = OrmQ.objects.all()
        assert task.func() == "tickets.outbox.dispatch"

    def test_success_message_quotes_the_reference(self, client, customer):
        client.force_login(customer)
        response = client.post(NEW, ticket_data(), follow=True)
        ticket = Ticket.objects.get()
        assert response.redirect_chain == [(f"/tickets/{ticket.reference}/", 302)]
        assert f"Ваше обращение зарегистрировано под номером {ticket.reference}." in html(response)
        assert html(response).count("Asterisk 20.5") == 1

    def test_several_files_are_attached_at_once(self, client, customer):
        client.force_login(customer)
        files = [png("one.png"), png("two.png"), SimpleUploadedFile("sip.log", b"INVITE 503\n")]
        client.post(NEW, ticket_data(files=files))
        ticket = Ticket.objects.get()
        attachments = list(ticket.attachments.order_by("pk"))
        assert [a.original_name for a in attachments] == ["one.png", "two.png", "sip.log"]
        assert [a.content_type for a in attachments] == ["image/png", "image/png", "text/plain"]
        assert all(a.comment is None and not a.is_internal for a in attachments)
        assert attachments[0].file.read() == TINY_PNG

    @pytest.mark.parametrize(
        ("files", "limits", "error"),
        [
            (
                [SimpleUploadedFile("diagram.svg", b"<svg onload=alert(1)/>", "image/svg+xml")],
                {},
                "diagram.svg: файлы такого типа не принимаются",
            ),
            (
                [png("ok.png"), SimpleUploadedFile("setup.exe", b"MZ\x90\x00")],
                {},
                "setup.exe: файлы такого типа не принимаются",
            ),
            ([png("big.png")], {"ATTACHMENT_MAX_BYTES": 50}, "Файл big.png слишком большой"),
            (
                [png("1.png"), png("2.png"), png("3.png")],
                {"ATTACHMENT_MAX_FILES": 2},
                "К одному сообщению можно приложить не более 2 файлов.",
            ),
            ([SimpleUploadedFile("empty.log", b"")], {}, "пуст"),
        ],
        ids=["svg", "exe", "too-big", "too-many", "empty"],
    )
    def test_a_refused_file_shows_the_error_in_russian_and_creates_nothing(
        self, client, customer, settings, files, limits, error
    ):
        for name, value in limits.items():
            setattr(settings, name, value)
        client.force_login(customer)
        response = client.post(NEW, ticket_data(files=files))
        assert response.status_code == 200
        assert error in html(response)
        assert 'value="Не работает SIP-транк"' in html(response)  # what was typed stays
        assert nothing_was_created()

    def test_missing_subject_is_required_and_creates_nothing(self, client, customer):
        client.force_login(customer)
        response = client.post(NEW, ticket_data(subject="  ", files=[png()]))
        assert response.status_code == 200
        assert response.context["form"].errors["subject"] == ["Обязательное поле."]
        assert "Обязательное поле." in html(response)
        assert nothing_was_created()

    def test_follow_up_of_own_closed_request_is_prefilled_and_linked(self, client, customer, agent):
        closed = bring_to(
            TicketFactory(requester=customer, type=Ticket.Type.PROBLEM, subject="Потери пакетов"),
            S.CLOSED,
            agent=agent,
        )
        client.force_login(customer)
        url = f"{NEW}?follow_up={closed.reference}"
        page = html(client.get(url))
        assert f"Продолжение {closed.reference}: новое обращение будет связано с ним." in page
        assert 'value="Потери пакетов"' in page
        assert 'value="problem" id="id_type_1" checked' in page
        assert f'name="follow_up" value="{closed.reference}"' in page

        response = client.post(url, ticket_data(follow_up=closed.reference))
        new = Ticket.objects.exclude(pk=closed.pk).get()
        assert response.url == new.get_absolute_url()
        assert list(new.related.all()) == [closed]
        assert new.events.get().data == {"follow_up_of": closed.reference}
        detail = html(client.get(new.get_absolute_url()))
        assert f'href="{closed.get_absolute_url()}"' in detail  # "related requests" box

    @pytest.mark.parametrize("owner", ["colleague", "other_org_customer"])
    def test_follow_up_of_someone_elses_request_is_404(self, client, request, customer, owner):
        foreign = TicketFactory(requester=request.getfixturevalue(owner), status=S.CLOSED)
        client.force_login(customer)
        assert client.get(f"{NEW}?follow_up={foreign.reference}").status_code == 404
        response = client.post(NEW, ticket_data(follow_up=foreign.reference))
        assert response.status_code == 404
        assert Ticket.objects.count() == 1

    def test_follow_up_of_a_malformed_id_is_404(self, client, customer):
        client.force_login(customer)
        assert client.get(f"{NEW}?follow_up=PT-²").status_code == 404

    def test_agent_cannot_file_in_the_portal(self, client, agent):
        client.force_login(agent)
        assert client.get(NEW).url == CHANGELIST
        response = client.post(NEW, ticket_data())
        assert response.status_code == 302
        assert response.url == CHANGELIST
        assert nothing_was_created()

    def test_anonymous_visitor_cannot_file(self, client):
        response = client.post(NEW, ticket_data())
        assert response.url.startswith(LOGIN)
        assert nothing_was_created()

    def test_attachment_help_follows_the_users_language(self, client, customer, settings):
        settings.ATTACHMENT_MAX_FILES = 4
        client.force_login(customer)
        assert "до 4 файлов" in html(client.get(NEW))
        customer.language = "en"
        customer.save()
        assert "up to 4 files" in html(client.get(NEW))


# --- The detail page --------------------------------------------------------------------------


class TestDetailAccess:
    @pytest.mark.parametrize("who", ["other_org_customer", "other_org_manager", "colleague"])
    def test_request_is_404_for_someone_who_may_not_see_it(self, client, request, customer, who):
        ticket = TicketFactory(requester=customer)
        client.force_login(request.getfixturevalue(who))
        assert client.get(ticket.get_absolute_url()).status_code == 404

    @pytest.mark.parametrize(
        "reference", ["PT-999999", "999999", "abc", "PT-", "PT-0", "PT-1x", "-1", "PT-" + "9" * 12]
    )
    def test_unknown_or_malformed_ids_are_404(self, client, customer, reference):
        TicketFactory(requester=customer)
        client.force_login(customer)
        assert client.get(f"/tickets/{reference}/").status_code == 404

    def test_id_is_found_in_any_letter_case_and_without_prefix(self, client, customer):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        for reference in (f"pt-{ticket.pk}", str(ticket.pk)):
            assert client.get(f"/tickets/{reference}/").context["ticket"] == ticket

    def test_customer_manager_sees_a_colleagues_request(self, client, colleague, customer_manager):
        ticket = TicketFactory(requester=colleague, subject="Сбой у коллеги")
        client.force_login(customer_manager)
        response = client.get(ticket.get_absolute_url())
        assert response.status_code == 200
        assert "Сбой у коллеги" in html(response)

    def test_anonymous_visitor_is_sent_to_login(self, client, customer):
        ticket = TicketFactory(requester=customer)
        assert client.get(ticket.get_absolute_url()).url.startswith(LOGIN)


class TestDetailContent:
    @pytest.fixture
    def ticket(self, customer, agent):
        ticket = TicketFactory(requester=customer)
        lifecycle.take(ticket, actor=agent)
        lifecycle.reply(ticket, actor=agent, body="Публичный ответ инженера.")
        lifecycle.add_note(
            ticket, actor=agent, body="Секрет: клиент на старом тарифе.",
            files=[png("internal-trace.png")],
        )  # fmt: skip
        return ticket

    @pytest.mark.parametrize("who", ["customer", "customer_manager"])
    def test_internal_notes_and_their_files_never_reach_customers(
        self, client, request, ticket, who
    ):
        internal_file = ticket.attachments.get()
        client.force_login(request.getfixturevalue(who))
        page = html(client.get(ticket.get_absolute_url()))
        assert "Публичный ответ инженера." in page
        assert "Секрет" not in page
        assert "internal-trace.png" not in page
        assert f"/files/{internal_file.pk}/" not in page
        assert "внутренняя заметка" not in page
        assert "Внутренняя заметка" not in page  # nor its history entry

    def test_support_staff_see_internal_notes_and_their_files(self, client, ticket, supervisor):
        client.force_login(supervisor)
        page = html(client.get(ticket.get_absolute_url()))
        assert "Секрет: клиент на старом тарифе." in page
        assert "internal-trace.png" in page
        assert "внутренняя заметка" in page

    @pytest.mark.parametrize(
        ("status", "forms", "reply_title"),
        [
            (S.NEW, {"reply", "withdraw"}, "Добавить сообщение"),
            (S.IN_PROGRESS, {"reply", "withdraw"}, "Добавить сообщение"),
            (S.WAITING, {"reply", "withdraw"}, "Предоставить запрошенную информацию"),
            (S.RESOLVED, {"confirm", "dispute", "withdraw"}, None),
            (S.CLOSED, set(), None),
        ],
    )
    @pytest.mark.parametrize("who", ["customer", "customer_manager"])
    def test_exactly_the_allowed_actions_are_offered(
        self, client, request, customer, agent, status, forms, reply_title, who
    ):
        ticket = bring_to(TicketFactory(requester=customer), status, agent=agent)
        client.force_login(request.getfixturevalue(who))
        page = html(client.get(ticket.get_absolute_url()))
        offered = {name for name in ACTIONS if f'action="{action_url(name, ticket)}"' in page}
        assert offered == forms
        with translation.override("ru"):
            assert f'id="ticket-status">{S(status).label}<' in page
        if reply_title:
            assert f'<section class="card" id="reply">\n    <h2>{reply_title}</h2>' in page
        else:
            assert 'id="reply"' not in page
        assert ("Поддержка предложила решение" in page) == (status == S.RESOLVED)
        follow_up = f'href="{NEW}?follow_up={ticket.reference}"'
        assert (follow_up in page) == (status == S.CLOSED)

    # Session, user, request, history, messages, their files, request files, related requests.
    DETAIL_QUERIES = 8

    @pytest.mark.parametrize("messages", [3, 30])
    @pytest.mark.parametrize("who", ["customer", "agent"])
    def test_detail_query_count_does_not_grow_with_the_conversation(
        self, client, request, django_assert_max_num_queries, customer, agent, messages, who
    ):
        ticket = TicketFactory(requester=customer)
        lifecycle.take(ticket, actor=agent)
        lifecycle.link(ticket, TicketFactory(requester=customer), actor=agent)
        for i in range(messages):
            lifecycle.reply(ticket, actor=customer, body=f"Сообщение {i}", files=[png(f"{i}.png")])
            lifecycle.reply(ticket, actor=agent, body=f"Ответ {i}")
            lifecycle.add_note(ticket, actor=agent, body=f"Заметка {i}", files=[png()])
        client.force_login(request.getfixturevalue(who))
        with django_assert_max_num_queries(self.DETAIL_QUERIES):
            response = client.get(ticket.get_absolute_url())
        assert response.status_code == 200
        assert html(response).count('class="file"') == messages * (2 if who == "agent" else 1)


# --- Actions ----------------------------------------------------------------------------------


def seen(response) -> str:
    """The status the page showed, as its forms send it back."""
    return re.search(r'name="seen_status" value="(\w+)"', response.content.decode()).group(1)


class TestActions:
    def test_reply_to_a_question_resumes_work(self, client, customer, agent):
        ticket = bring_to(TicketFactory(requester=customer), S.WAITING, agent=agent)
        client.force_login(customer)
        page = client.get(ticket.get_absolute_url())
        response = client.post(
            action_url("reply", ticket),
            {"body": "Прошивка 7.2.1", "files": [png()], "seen_status": seen(page)},
            follow=True,
        )
        ticket.refresh_from_db()
        assert ticket.status == S.IN_PROGRESS
        comment = ticket.comments.get(author=customer)
        assert (comment.body, comment.is_internal) == ("Прошивка 7.2.1", False)
        assert comment.attachments.get().original_name == "screenshot.png"
        assert "Ваше сообщение отправлено." in html(response)
        assert 'id="ticket-status">В работе<' in html(response)

    def test_reply_without_text_is_refused_with_an_error(self, client, customer, agent):
        ticket = bring_to(TicketFactory(requester=customer), S.WAITING, agent=agent)
        client.force_login(customer)
        response = client.post(action_url("reply", ticket), {"body": ""})
        assert response.status_code == 400
        assert "Обязательное поле." in html(response)
        ticket.refresh_from_db()
        assert ticket.status == S.WAITING

    def test_customer_confirms_the_solution(self, client, customer, agent):
        ticket = bring_to(TicketFactory(requester=customer), S.RESOLVED, agent=agent)
        client.force_login(customer)
        response = client.post(
            action_url("confirm", ticket), {"seen_status": S.RESOLVED}, follow=True
        )
        ticket.refresh_from_db()
        assert (ticket.status, ticket.close_reason) == (S.CLOSED, Ticket.CloseReason.CONFIRMED)
        assert "Спасибо! Обращение закрыто." in html(response)
        assert 'id="ticket-status">Закрыто<' in html(response)

    def test_dispute_without_a_reason_is_refused_and_the_form_stays_open(
        self, client, customer, agent
    ):
        ticket = bring_to(TicketFactory(requester=customer), S.RESOLVED, agent=agent)
        client.force_login(customer)
        response = client.post(action_url("dispute", ticket), {"reason": "   "})
        assert response.status_code == 400
        page = html(response)
        assert "<details open><summary>Оспорить решение</summary>" in page
        assert "Обязательное поле." in page
        ticket.refresh_from_db()
        assert ticket.status == S.RESOLVED

    def test_dispute_with_a_reason_resumes_work(self, client, customer, agent):
        ticket = bring_to(TicketFactory(requester=customer), S.RESOLVED, agent=agent)
        client.force_login(customer)
        response = client.post(
            action_url("dispute", ticket),
            {"reason": "После перезагрузки сбой повторился.", "seen_status": S.RESOLVED},
            follow=True,
        )
        ticket.refresh_from_db()
        assert ticket.status == S.IN_PROGRESS
        event = ticket.events.get(kind=TicketEvent.Kind.DISPUTED)
        assert event.note == "После перезагрузки сбой повторился."
        assert event.comment.body == event.note
        assert "Ваше возражение записано" in html(response)

    def test_refused_dispute_keeps_the_typed_reason(self, client, customer, agent):
        ticket = bring_to(TicketFactory(requester=customer), S.IN_PROGRESS, agent=agent)
        client.force_login(customer)
        response = client.post(action_url("dispute", ticket), {"reason": "Не помогло."})
        assert response.status_code == 400
        assert "невозможно" in html(response)
        assert "Не помогло.</textarea>" in html(response)
        assert not Comment.objects.filter(author=customer).exists()

    def test_customer_withdraws_a_request_with_a_reason(self, client, customer):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        response = client.post(
            action_url("withdraw", ticket),
            {"withdraw-reason": "Сами разобрались.", "seen_status": S.NEW},
            follow=True,
        )
        ticket.refresh_from_db()
        assert (ticket.status, ticket.close_reason) == (S.CLOSED, Ticket.CloseReason.WITHDRAWN)
        assert ticket.events.get(kind=TicketEvent.Kind.WITHDRAWN).note == "Сами разобрались."
        assert "Обращение отозвано и закрыто." in html(response)

    def test_customer_manager_may_act_on_a_colleagues_request(
        self, client, colleague, customer_manager, agent
    ):
        ticket = bring_to(TicketFactory(requester=colleague), S.RESOLVED, agent=agent)
        client.force_login(customer_manager)
        client.post(action_url("confirm", ticket))
        ticket.refresh_from_db()
        assert ticket.status == S.CLOSED

    @pytest.mark.parametrize("action", ACTIONS)
    @pytest.mark.parametrize("who", ["other_org_customer", "other_org_manager", "colleague"])
    def test_actions_are_404_for_someone_who_may_not_see_the_request(
        self, client, request, customer, agent, action, who
    ):
        status = S.WAITING if action == "reply" else S.RESOLVED
        ticket = bring_to(TicketFactory(requester=customer), status, agent=agent)
        events = ticket.events.count()
        client.force_login(request.getfixturevalue(who))
        data = {"body": "Чужой ответ", "reason": "Чужая причина", "seen_status": status}
        assert client.post(action_url(action, ticket), data).status_code == 404
        ticket.refresh_from_db()
        assert ticket.status == status
        assert ticket.events.count() == events

    @pytest.mark.parametrize("action", ACTIONS)
    def test_anonymous_action_is_sent_to_login(self, client, customer, action):
        ticket = TicketFactory(requester=customer)
        assert client.post(action_url(action, ticket)).url.startswith(LOGIN)
        ticket.refresh_from_db()
        assert ticket.status == S.NEW

    @pytest.mark.parametrize("action", ACTIONS)
    def test_a_get_of_an_action_is_a_405_and_changes_nothing(self, client, customer, action):
        ticket = TicketFactory(requester=customer)
        client.force_login(customer)
        response = client.get(action_url(action, ticket))
        assert response.status_code == 405
        ticket.refresh_from_db()
        assert ticket.status == S.NEW

    @pytest.mark.parametrize(
        ("action", "status"),
        [("confirm", S.IN_PROGRESS), ("withdraw", S.CLOSED), ("confirm", S.CLOSED)],
    )
    def test_a_refused_transition_is_a_400_page_with_the_reason_not_a_redirect(
        self, client, customer, agent, action, status
    ):
        # It was a redirect to the request page, which looks like success.
        ticket = bring_to(TicketFactory(requester=customer), status, agent=agent)
        events = ticket.events.count()
        client.force_login(customer)
        response = client.post(action_url(action, ticket), {"seen_status": status})
        assert response.status_code == 400
        summary = html(response).split('id="error-summary"')[1].split("</div>")[0]
        assert f"невозможно для {ticket.reference}" in summary
        assert ticket.events.count() == events

    def test_a_refused_withdrawal_keeps_the_typed_reason(self, client, customer, agent):
        ticket = bring_to(TicketFactory(requester=customer), S.CLOSED, agent=agent)
        client.force_login(customer)
        response = client.post(
            action_url("withdraw", ticket),
            {"withdraw-reason": "Сами разобрались.", "seen_status": S.CLOSED},
        )
        assert response.status_code == 400
        assert "Сами разобрались.</textarea>" in html(response)

    def test_reply_to_a_closed_request_is_refused_with_the_text_kept(self, client, customer, agent):
        ticket = bring_to(TicketFactory(requester=customer), S.CLOSED, agent=agent)
        client.force_login(customer)
        response = client.post(action_url("reply", ticket), {"body": "А ещё вопрос"})
        assert response.status_code == 400
        assert f"Ответы в {ticket.reference} закрыты." in html(response)
        assert not Comment.objects.filter(author=customer).exists()

    @pytest.mark.parametrize(
        "change",
        [
            lambda t, agent: lifecycle.request_info(t, actor=agent, question="Какой порт?"),
            lambda t, agent: lifecycle.resolve(t, actor=agent, solution="Исправлено."),
        ],
        ids=["agent-asks-a-question", "agent-resolves"],
    )
    def test_reply_to_a_request_changed_meanwhile_is_refused_and_the_text_kept(
        self, client, customer, agent, change
    ):
        ticket = bring_to(TicketFactory(requester=customer), S.IN_PROGRESS, agent=agent)
        client.force_login(customer)
        page = client.get(ticket.get_absolute_url())
        change(Ticket.objects.get(pk=ticket.pk), agent)
        comments = Comment.objects.count()

        response = client.post(
            action_url("reply", ticket), {"body": "Мой ответ", "seen_status": seen(page)}
        )
        assert response.status_code == 400
        assert f"{ticket.reference} только что изменил кто-то другой." in html(response)
        assert "Мой ответ</textarea>" in html(response)
        assert Comment.objects.count() == comments
        # The page now shows the new state, and sending again is the customer's informed choice.
        assert seen(response) != seen(page)

    def test_confirming_a_solution_withdrawn_meanwhile_is_refused(self, client, customer, agent):
        ticket = bring_to(TicketFactory(requester=customer), S.RESOLVED, agent=agent)
        client.force_login(customer)
        page = client.get(ticket.get_absolute_url())
        lifecycle.reopen(Ticket.objects.get(pk=ticket.pk), actor=agent)
        response = client.post(
            action_url("confirm", ticket), {"seen_status": seen(page)}, follow=True
        )
        assert "только что изменил кто-то другой" in html(response)
        ticket.refresh_from_db()
        assert ticket.status == S.IN_PROGRESS
