"""The stored search document (tickets 0025–0027): the triggers keep it right, the backfill fills
what existed before, and the search reads it through its GIN index."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from tests.factories import TicketFactory
from tickets import search
from tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL column"),
]
fill_migration = importlib.import_module("tickets.migrations.0026_ticket_search_document_fill")


def stored(ticket) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_document::text FROM tickets_ticket WHERE id = %s", [ticket.pk]
        )
        return cursor.fetchone()[0]


def computed(ticket) -> str:
    """What tickets.search.document() makes of the request's current subject and description."""
    return (
        Ticket.objects.filter(pk=ticket.pk)
        .annotate(document=search.document())
        .values_list("document", flat=True)
        .get()
    )


def empty_the_column():
    """As 0024 leaves the requests that existed before it (the triggers would fill it)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: ALTER may run
        cursor.execute("ALTER TABLE tickets_ticket DISABLE TRIGGER USER")
        cursor.execute("UPDATE tickets_ticket SET search_document = NULL")
        cursor.execute("ALTER TABLE tickets_ticket ENABLE TRIGGER USER")


class TestTriggers:
    def test_a_new_request_has_its_document(self, customer):
        ticket = TicketFactory(
            requester=customer, subject="Модем не включается", description="Блок"
        )
        assert stored(ticket) == computed(ticket)
        assert "'мод':1A" in stored(ticket) and "'блок':4B" in stored(ticket)

    def test_bulk_created_requests_have_theirs(self, customer):
        TicketFactory(requester=customer)  # the organisation, plan and so on, once
        template = Ticket.objects.get()
        template.pk = None
        template.subject = "Коммутатор перегревается"
        (copy,) = Ticket.objects.bulk_create([template])
        assert "'коммутатор':1A" in stored(copy)

    def test_a_changed_subject_or_description_changes_it(self, customer):
        ticket = TicketFactory(requester=customer, subject="Модем", description="Сгорел")
        ticket.subject = "Маршрутизатор"
        ticket.save()
        assert stored(ticket) == computed(ticket) and "модем" not in stored(ticket)
        Ticket.objects.filter(pk=ticket.pk).update(description="Перегрев")
        ticket.refresh_from_db()
        assert stored(ticket) == computed(ticket) and "'перегр':2B" in stored(ticket)

    def test_other_changes_keep_it(self, customer, agent):
        ticket = TicketFactory(requester=customer, subject="Модем", description="Сгорел")
        before = stored(ticket)
        ticket.priority = Ticket.Priority.CRITICAL
        ticket.save()  # every column written, the words unchanged
        ticket.save(update_fields=["priority"])
        assert stored(ticket) == before

    def test_a_request_left_empty_gets_it_with_its_next_change(self, customer):
        ticket = TicketFactory(requester=customer, subject="Модем", description="Сгорел")
        empty_the_column()
        Ticket.objects.filter(pk=ticket.pk).update(priority=Ticket.Priority.HIGH)
        assert stored(ticket) == computed(ticket)

    def test_the_search_finds_a_request_by_its_new_words(self, customer):
        ticket = TicketFactory(requester=customer, subject="Модем", description="-")
        Ticket.objects.filter(pk=ticket.pk).update(subject="Коммутатор")
        found = search.search_console(Ticket.objects.all(), "коммутатор")
        assert list(found.values_list("pk", flat=True)) == [ticket.pk]
        assert not search.search_console(Ticket.objects.all(), "модем").exists()


class TestBackfill:
    def test_fills_every_empty_document_in_batches_and_only_those(self, customer, monkeypatch):
        tickets = TicketFactory.create_batch(5, requester=customer, subject="Модем")
        empty_the_column()
        with connection.cursor() as cursor:  # one already filled, with something else
            cursor.execute(
                "UPDATE tickets_ticket SET search_document = 'другое' WHERE id = %s",
                [tickets[0].pk],
            )
        monkeypatch.setattr(fill_migration, "BATCH", 2)
        fill_migration.fill(None, SimpleNamespace(connection=connection))
        assert stored(tickets[0]) == "'другое'"
        assert all(stored(ticket) == computed(ticket) for ticket in tickets[1:])

    def test_an_empty_table_is_nothing_to_do(self):
        fill_migration.fill(None, SimpleNamespace(connection=connection))


class TestColumn:
    def test_is_not_a_model_field_so_pages_never_load_it(self):
        assert search.DOCUMENT_COLUMN not in {f.column for f in Ticket._meta.concrete_fields}

    def test_is_named_under_the_alias_of_a_subquery(self, customer):
        ticket = TicketFactory(requester=customer, subject="Модем", description="-")
        TicketFactory(requester=customer, subject="Счёт", description="-")
        inner = search.search_console(Ticket.objects.all(), "модем").values("pk")
        assert list(Ticket.objects.filter(pk__in=inner).values_list("pk", flat=True)) == [ticket.pk]


class TestCommonAndRareWords:
    """A common word's page is found by walking the newest requests; a rare word's by its ids
    from the GIN index (a walk would read the whole table to fill a page)."""

    @pytest.fixture(autouse=True)
    def _no_kept_date(self, monkeypatch):
        monkeypatch.setattr(search, "_NEWEST_SINCE", {})

    def test_a_common_word_keeps_the_words_condition(self, customer, monkeypatch):
        monkeypatch.setattr(search, "NEWEST", 4)
        monkeypatch.setattr(search, "COMMON_MATCHES", 2)
        modems = TicketFactory.create_batch(3, requester=customer, subject="Модем", description="-")
        TicketFactory(requester=customer, subject="Счёт", description="-")
        found = search.search_console(Ticket.objects.all(), "модем")
        assert "search_document" in str(found.query)
        assert set(found.values_list("pk", flat=True)) == {t.pk for t in modems}

    def test_a_rare_word_is_read_by_its_ids_and_the_planner_is_left_as_it_was(self, customer):
        # Read by tickets_ticket_search_ids, which switches index walks and scans off for itself.
        modem = TicketFactory(requester=customer, subject="Модем", description="-")
        TicketFactory(requester=customer, subject="Счёт", description="-")
        found = search.search_console(Ticket.objects.all(), "модем")
        assert "search_document" not in str(found.query)
        assert list(found.values_list("pk", flat=True)) == [modem.pk]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')"
            )
            assert cursor.fetchone() == ("on", "on")

    def test_more_rare_matches_than_listed_keep_the_words_condition(self, customer, monkeypatch):
        monkeypatch.setattr(search, "RARE_MATCHES", 2)
        TicketFactory.create_batch(3, requester=customer, subject="Модем", description="-")
        found = search.search_console(Ticket.objects.all(), "модем")
        assert "search_document" in str(found.query) and found.count() == 3
