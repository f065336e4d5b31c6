"""Finding requests by their words (tickets.search): the console's queue and the portal's list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import StaffUserFactory, TicketFactory
from tests.tickets.console_helpers import CHANGELIST
from tickets import lifecycle, search
from tickets.console.queue import QueueAdmin
from tickets.models import Ticket
from tickets.paging import CappedPaginator
from tickets.views import portal

pytestmark = pytest.mark.django_db
S = Ticket.Status
LIST = reverse("tickets:list")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search in Russian is PostgreSQL's"
)


def queue(client, term, **params):
    response = client.get(CHANGELIST, {"q": term, **params})
    assert response.status_code == 200
    return {ticket.pk for ticket in response.context["cl"].result_list}


def portal_list(client, term):
    response = client.get(LIST, {"q": term})
    assert response.status_code == 200
    return {ticket.pk for ticket in response.context["page"].object_list}


@pytest.fixture
def modems(customer):
    """Requests that speak of a modem in different word forms, and one that does not."""
    return {
        "модем": TicketFactory(requester=customer, subject="Модем не включается", description="-"),
        "модема": TicketFactory(
            requester=customer, subject="Замена", description="Прошу заменить блок модема."
        ),
        "модемы": TicketFactory(requester=customer, subject="Модемы не работают", description="-"),
        "other": TicketFactory(requester=customer, subject="Счёт за октябрь", description="-"),
    }


class TestWordForms:
    @pytest.mark.parametrize("term", ["модем", "Модемы", "МОДЕМА", "модемов"])
    def test_every_form_of_a_word_finds_every_form(self, client, agent, modems, term):
        client.force_login(agent)
        wanted = {modems[k].pk for k in ("модем", "модема", "модемы")}
        assert queue(client, term) == wanted

    def test_the_beginning_of_a_word_finds_it(self, client, agent, modems):
        client.force_login(agent)
        assert modems["модем"].pk in queue(client, "мод")

    def test_every_word_must_be_there(self, client, agent, modems):
        client.force_login(agent)
        assert queue(client, "модем включается") == {modems["модем"].pk}

    @on_postgresql
    def test_verb_forms_match_through_the_russian_stemmer(self, client, agent, modems):
        client.force_login(agent)
        assert queue(client, "работает") == {modems["модемы"].pk}

    def test_the_customer_finds_word_forms_in_the_portal(self, client, customer, modems):
        client.force_login(customer)
        assert portal_list(client, "модемы") == {
            modems[k].pk for k in ("модем", "модема", "модемы")
        }

    @pytest.mark.parametrize("term", ["", "   ", "!!!", "²", "'&|:*", "x" * 200, "не"])
    def test_odd_input_is_never_an_error(self, client, agent, customer, modems, term):
        client.force_login(agent)
        assert client.get(CHANGELIST, {"q": term}).status_code == 200
        client.force_login(customer)
        assert client.get(LIST, {"q": term[:200]}).status_code == 200


class TestNoLeaks:
    def test_a_customer_never_finds_another_organisations_request(
        self, client, customer, customer_manager, other_org_customer, modems
    ):
        theirs = TicketFactory(requester=other_org_customer, subject="Модем сгорел")
        for user in (customer, customer_manager):
            client.force_login(user)
            assert theirs.pk not in portal_list(client, "модем")
            assert portal_list(client, theirs.reference) == set()
            assert portal_list(client, str(theirs.pk)) == set()

    def test_a_customer_never_finds_a_colleagues_request_but_the_manager_does(
        self, client, customer, colleague, customer_manager
    ):
        theirs = TicketFactory(requester=colleague, subject="Модем коллеги")
        client.force_login(customer)
        assert portal_list(client, "модем") == set()
        client.force_login(customer_manager)
        assert portal_list(client, "модем") == {theirs.pk}

    def test_internal_notes_are_never_searched_for_customers(self, client, customer, agent):
        ticket = TicketFactory(requester=customer, subject="Сбой", description="-")
        lifecycle.take(ticket, actor=agent)
        lifecycle.add_note(ticket, actor=agent, body="Коммутатор вендора перегревается.")
        lifecycle.reply(ticket, actor=agent, body="Пришлите журнал маршрутизатора.")
        client.force_login(customer)
        assert portal_list(client, "коммутатор") == set()
        assert portal_list(client, "маршрутизатор") == {ticket.pk}


class TestConsoleSearch:
    def test_finds_by_organisation_name_and_requester_email(
        self, client, agent, customer, other_org_customer
    ):
        mine = TicketFactory(requester=customer, subject="-", description="-")
        theirs = TicketFactory(requester=other_org_customer, subject="-", description="-")
        client.force_login(agent)
        assert queue(client, "Beta Tele") == {theirs.pk}
        assert queue(client, "client@alpha") == {mine.pk}

    def test_a_number_finds_the_request_and_the_words_still_count(self, client, agent, customer):
        numbered = TicketFactory(requester=customer, subject="-", description="-")
        mentions = TicketFactory(requester=customer, subject=f"Как {numbered.pk}", description="-")
        client.force_login(agent)
        assert queue(client, str(numbered.pk)) == {numbered.pk, mentions.pk}
        assert queue(client, numbered.reference) == {numbered.pk}

    def test_a_search_lists_newest_first_whatever_the_priority(self, client, agent, customer):
        now = timezone.now()
        old = TicketFactory(requester=customer, subject="Модем", priority=Ticket.Priority.CRITICAL,
                            created_at=now - timedelta(days=2))  # fmt: skip
        new = TicketFactory(requester=customer, subject="Модем", priority=Ticket.Priority.LOW)
        client.force_login(agent)
        response = client.get(CHANGELIST, {"q": "модем"})
        assert [t.pk for t in response.context["cl"].result_list] == [new.pk, old.pk]
        response = client.get(CHANGELIST, {"q": "модем", "o": "3"})  # sorted by priority
        assert [t.pk for t in response.context["cl"].result_list] == [old.pk, new.pk]

    def test_a_search_counts_only_as_far_as_the_next_page(
        self, client, agent, customer, monkeypatch
    ):
        monkeypatch.setattr(QueueAdmin, "list_per_page", 3)
        TicketFactory.create_batch(7, requester=customer, subject="Модем")
        client.force_login(agent)
        first = client.get(CHANGELIST, {"q": "модем"})
        assert len(first.context["cl"].result_list) == 3
        assert "Более 3 обращений" in first.content.decode()
        last = client.get(CHANGELIST, {"q": "модем", "p": 3})
        assert len(last.context["cl"].result_list) == 1
        assert "7 обращений" in last.content.decode()

    def test_the_queue_count_stops_at_the_cap_and_says_more_than(
        self, client, agent, customer, monkeypatch
    ):
        monkeypatch.setattr(CappedPaginator, "cap", 3)
        TicketFactory.create_batch(5, requester=customer)
        client.force_login(agent)
        response = client.get(CHANGELIST)
        assert len(response.context["cl"].result_list) == 5  # the page itself is not capped
        assert "Более 3 обращений" in response.content.decode()
        response = client.get(CHANGELIST, {"priority": 1})
        assert "Более" not in response.content.decode()

    @pytest.mark.parametrize("count", [5, 40])
    def test_query_count_does_not_grow_with_the_results(
        self, client, agent, customer, other_org_customer, django_assert_max_num_queries, count
    ):
        StaffUserFactory.create_batch(3)
        for i in range(count):
            TicketFactory(requester=(customer, other_org_customer)[i % 2], subject="Модем")
        client.force_login(agent)
        # The queue's nine, plus the organisations and e-mails matching the text.
        with django_assert_max_num_queries(10):
            assert len(queue(client, "модем")) == count

    @pytest.mark.parametrize("count", [5, 40])
    def test_portal_search_query_count_does_not_grow(
        self, client, customer_manager, colleague, django_assert_max_num_queries, count
    ):
        for _ in range(count):
            TicketFactory(requester=colleague, subject="Модем")
        client.force_login(customer_manager)
        # Session, user, status counts, the page; and the status notices, read once a process.
        with django_assert_max_num_queries(5):
            assert len(portal_list(client, "модем")) == min(count, portal.PAGE_SIZE)


@on_postgresql
def test_the_search_uses_the_gin_index(customer):
    TicketFactory.create_batch(3, requester=customer)
    # Unordered: on three rows a walk of the newest-first index filtering every row can look as
    # cheap as the GIN index, and the point is that the condition itself can use the index.
    queryset, condition = search._text_condition(Ticket.objects.all(), "модем")
    queryset = queryset.filter(condition).order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # a bitmap scan of some index remains
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert search.FTS_INDEX_NAME in plan


@on_postgresql
def test_the_index_is_built_and_valid_but_not_in_the_model_state():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [search.FTS_INDEX_NAME],
        )
        assert cursor.fetchall() == [(True,)]
    # SQLite rebuilds tables from the model state: a GIN index there would break it.
    assert search.FTS_INDEX_NAME not in {index.name for index in Ticket._meta.indexes}


def test_a_portal_search_pages_without_counting(client, customer, monkeypatch):
    monkeypatch.setattr(portal, "PAGE_SIZE", 2)
    TicketFactory.create_batch(5, requester=customer, subject="Модем")
    client.force_login(customer)
    first = client.get(LIST, {"q": "модем"})
    assert len(first.context["page"].object_list) == 2
    assert "Страница 1<" in first.content.decode() and "page=2" in first.content.decode()
    last = client.get(LIST, {"q": "модем", "page": 3})
    assert len(last.context["page"].object_list) == 1
    assert "page=4" not in last.content.decode()
    beyond = client.get(LIST, {"q": "модем", "page": 9})  # an old link: a page with requests
    assert beyond.status_code == 200 and beyond.context["page"].object_list


def test_the_portal_list_counts_statuses_from_the_index_and_never_counts_twice(
    client, customer_manager, colleague
):
    TicketFactory.create_batch(3, requester=colleague)
    client.force_login(customer_manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.context["page"].paginator.count == 3
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    # COUNT(*) grouped by status: PostgreSQL answers from the (organization, status) index
    # alone; COUNT("id") read the table. The total is their sum, not another count.
    assert len(counts) == 1 and "COUNT(*)" in counts[0]
