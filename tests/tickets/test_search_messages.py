"""The console's search reads the messages too (replies and internal notes); the portal's never
reads internal notes. On PostgreSQL through the GIN index `comment_search_fts` (tickets 0030)
for a rare word, and for a common one message by message along the newest-first walk."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.tickets.console_helpers import CHANGELIST
from tickets import lifecycle, search
from tickets.models import Comment, Ticket

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search in Russian is PostgreSQL's"
)
MESSAGE_INDEX = "comment_search_fts"


def queue(client, term):
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    return {ticket.pk for ticket in response.context["cl"].result_list}


def portal_list(client, term):
    response = client.get(reverse("tickets:list"), {"q": term})
    assert response.status_code == 200
    return {ticket.pk for ticket in response.context["page"].object_list}


@pytest.fixture
def conversation(customer, agent):
    """A request whose words say nothing of a switch or a router; its messages do."""
    from tests.factories import TicketFactory

    ticket = TicketFactory(requester=customer, subject="Сбой", description="Не работает.")
    other = TicketFactory(requester=customer, subject="Счёт за октябрь", description="-")
    lifecycle.take(ticket, actor=agent)
    lifecycle.add_note(ticket, actor=agent, body="Коммутатор вендора перегревается.")
    lifecycle.reply(ticket, actor=agent, body="Пришлите журнал маршрутизатора.")
    return ticket, other


# The rare-word path (ids through the indexes; every test database is small) and the walk of
# the newest requests that a common word takes on a large one.
@pytest.fixture(params=["rare", "common"])
def path(request, monkeypatch):
    if request.param == "common":
        monkeypatch.setattr(search, "_common", lambda queryset, condition: True)
    return request.param


class TestConsoleFindsMessages:
    def test_a_public_reply_and_an_internal_note(self, client, agent, conversation, path):
        ticket, _other = conversation
        client.force_login(agent)
        assert queue(client, "маршрутизаторы") == {ticket.pk}
        assert queue(client, "коммутатор") == {ticket.pk}
        assert queue(client, "Коммутаторы вендора") == {ticket.pk}

    def test_the_requests_own_words_still_count(self, client, agent, conversation, path):
        _ticket, other = conversation
        client.force_login(agent)
        assert queue(client, "октябрь") == {other.pk}
        assert queue(client, "принтер") == set()

    def test_more_matching_messages_than_the_rare_limit(
        self, client, agent, conversation, monkeypatch
    ):
        ticket, other = conversation
        lifecycle.add_note(other, actor=agent, body="Коммутатор заменён.")
        monkeypatch.setattr(search, "RARE_MATCHES", 1)
        client.force_login(agent)
        assert queue(client, "коммутатор") == {ticket.pk, other.pk}

    def test_the_customer_never_finds_internal_notes(
        self, client, customer, agent, conversation, path
    ):
        ticket, _other = conversation
        client.force_login(customer)
        assert portal_list(client, "коммутатор") == set()
        assert portal_list(client, "маршрутизатор") == {ticket.pk}


@on_postgresql
def test_the_walk_checks_messages_request_by_request(conversation):
    # Not a hashed subplan: that reads every matching message of the table before the first
    # request (50,000 messages for «модем» at 1M requests).
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(search, "_common", lambda queryset, condition: True)
    try:
        queryset = search.search_console(Ticket.objects.all(), "коммутатор")
    finally:
        monkeypatch.undo()
    sql, params = queryset.order_by("-created_at", "-pk")[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" in plan
    assert "hashed SubPlan" not in plan


@on_postgresql
def test_a_rare_words_messages_are_read_through_the_gin_index(conversation):
    query = search._fts_query("коммутатор")
    plain = Comment.objects.all().query
    sql, params = plain.get_compiler(using="default").compile(query.resolve_expression(plain))
    with connection.cursor() as cursor:
        # The function's own statement, with the settings it declares.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(
            "EXPLAIN SELECT ticket_id FROM tickets_comment WHERE "  # noqa: S608 (our SQL)
            f"to_tsvector('russian'::regconfig, COALESCE(body, '')) @@ ({sql}) LIMIT 5",
            params,
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert MESSAGE_INDEX in plan
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [MESSAGE_INDEX],
        )
        assert cursor.fetchall() == [(True,)]
    # SQLite rebuilds tables from the model state: a GIN index there would break it.
    assert MESSAGE_INDEX not in {index.name for index in Comment._meta.indexes}
