"""tickets.access: who sees which requests, messages, history and files; the rest is a 404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from tests.factories import StaffUserFactory, TicketFactory
from tickets import access, lifecycle
from tickets.models import Ticket, TicketEvent

S = Ticket.Status


@pytest.fixture
def tickets(customer, colleague, other_org_customer):
    """One request each for the customer, their colleague and a customer of another company."""
    return {
        "own": TicketFactory(requester=customer),
        "colleagues": TicketFactory(requester=colleague),
        "foreign": TicketFactory(requester=other_org_customer),
    }


def visible(user) -> set[int]:
    return set(access.visible_tickets(user).values_list("pk", flat=True))


# --- Lists ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_customer_sees_their_own_requests_but_not_a_colleagues(customer, tickets):
    assert visible(customer) == {tickets["own"].pk}


@pytest.mark.django_db
def test_a_customer_manager_sees_the_whole_organisation_only(customer_manager, tickets):
    assert visible(customer_manager) == {tickets["own"].pk, tickets["colleagues"].pk}


@pytest.mark.django_db
def test_a_customer_of_another_organisation_sees_nothing_of_ours(
    other_org_customer, other_org_manager, tickets
):
    assert visible(other_org_customer) == {tickets["foreign"].pk}
    assert visible(other_org_manager) == {tickets["foreign"].pk}


@pytest.mark.django_db
def test_support_staff_see_every_request(agent, supervisor, administrator, tickets):
    everything = {ticket.pk for ticket in tickets.values()}
    for user in (agent, supervisor, administrator):
        assert visible(user) == everything


@pytest.mark.django_db
def test_a_deactivated_user_sees_nothing(customer, customer_manager, tickets):
    gone_agent = StaffUserFactory(email="gone@support.test", is_active=False)
    for user in (customer, customer_manager):
        user.is_active = False
        user.save()
    for user in (customer, customer_manager, gone_agent):
        assert visible(user) == set()


@pytest.mark.django_db
def test_an_anonymous_visitor_sees_nothing(tickets):
    assert visible(AnonymousUser()) == set()


@pytest.mark.django_db
def test_a_customer_moved_to_another_organisation_no_longer_sees_old_requests(
    customer, other_organization, tickets
):
    customer.organization = other_organization
    customer.save()

    assert visible(customer) == set()


# --- One rule for a list and for a loaded request ----------------------------------------


@pytest.mark.django_db
def test_can_see_agrees_with_the_lists_for_every_user_and_request(
    customer, colleague, customer_manager, other_org_customer, other_org_manager, agent, tickets
):
    gone = StaffUserFactory(email="gone@support.test", is_active=False)
    users = [customer, colleague, customer_manager, other_org_customer, other_org_manager, agent]
    for user in [*users, gone, AnonymousUser()]:
        for ticket in tickets.values():
            listed = ticket.pk in visible(user)
            assert access.can_see(user, ticket) is listed, (user, ticket.requester)


@pytest.mark.django_db
def test_the_lifecycle_knows_only_the_users_who_may_see_the_request(
    customer, colleague, customer_manager, other_org_manager, agent, tickets
):
    own = tickets["own"]
    assert lifecycle.party_of(customer, own) == lifecycle.Party.CUSTOMER
    assert lifecycle.party_of(customer_manager, own) == lifecycle.Party.CUSTOMER
    assert lifecycle.party_of(agent, own) == lifecycle.Party.STAFF
    assert lifecycle.party_of(None, own) == lifecycle.Party.SYSTEM
    assert lifecycle.party_of(colleague, own) is None
    assert lifecycle.party_of(other_org_manager, own) is None


@pytest.mark.django_db
def test_only_staff_with_the_right_read_the_support_reports(
    customer, customer_manager, agent, supervisor, administrator
):
    assert [access.can_view_reports(u) for u in (supervisor, administrator)] == [True, True]
    for user in (customer, customer_manager, agent, AnonymousUser()):
        assert not access.can_view_reports(user)


@pytest.mark.django_db
def test_a_customer_manager_reads_the_sla_report_of_their_own_organisation_only(
    customer, customer_manager, agent
):
    assert access.sla_report_organization(customer_manager) == customer_manager.organization_id
    for user in (customer, agent, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            access.sla_report_organization(user)


# --- One request by its reference ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["PT-{pk}", "pt-{pk}", "{pk}", "  PT-{pk} "])
def test_a_customer_opens_their_request_by_its_reference(customer, tickets, spelling):
    ticket = tickets["own"]

    assert access.get_ticket_for_user(customer, spelling.format(pk=ticket.pk)) == ticket


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "which"),
    [
        ("customer", "colleagues"),
        ("customer", "foreign"),
        ("customer_manager", "foreign"),
        ("other_org_customer", "own"),
        ("other_org_manager", "own"),
        ("colleague", "own"),
    ],
)
def test_a_request_the_user_may_not_see_is_not_found(request, tickets, user, which):
    user = request.getfixturevalue(user)

    with pytest.raises(Http404):
        access.get_ticket_for_user(user, tickets[which].reference)


@pytest.mark.django_db
def test_an_unknown_request_is_not_found_even_for_support(agent, tickets):
    unknown = max(ticket.pk for ticket in tickets.values()) + 1

    with pytest.raises(Http404):
        access.get_ticket_for_user(agent, f"PT-{unknown}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reference",
    [
        "",
        " ",
        "PT-",
        "PT-abc",
        "PT-0",
        "0",
        "PT--1",
        "-1",
        "PT-1.0",
        "PT-1e3",
        "PT-0x10",
        "PT 1",
        "PT-1 2",
        "PT-99999999999",  # the largest number a reference may have: no such request
        "PT-999999999999",
        "PT-" + "9" * 40,
        "PT-1'; DROP TABLE tickets_ticket; --",
        "PT-%",
        "XX-1",
        "PT-١",  # ARABIC-INDIC DIGIT ONE: a digit to str.isdigit(), not a reference
    ],
)
def test_a_malformed_reference_is_not_found(agent, tickets, reference):
    with pytest.raises(Http404):
        access.get_ticket_for_user(agent, reference)


@pytest.mark.django_db
def test_a_reference_with_a_superscript_digit_is_not_found(agent, tickets):
    with pytest.raises(Http404):
        access.get_ticket_for_user(agent, "PT-²")


# --- What is inside a request -------------------------------------------------------------------


@pytest.fixture
def conversation(customer, agent):
    """A request with a public reply, an internal note with a file, and internal history."""
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS, assignee=agent)
    public = lifecycle.reply(ticket, actor=agent, body="Please restart the router.")
    note = lifecycle.add_note(
        ticket,
        actor=agent,
        body="Customer's router firmware is a known bad build.",
        files=[SimpleUploadedFile("internal-analysis.txt", b"bad build 4.1")],
    )
    lifecycle.set_executors(ticket, actor=agent, executors=[agent])
    return ticket, public, note


@pytest.mark.django_db
def test_internal_notes_are_hidden_from_customers(conversation, customer, customer_manager, agent):
    ticket, public, note = conversation

    for user in (customer, customer_manager):
        assert list(access.visible_comments(user, ticket)) == [public]
    assert list(access.visible_comments(agent, ticket)) == [public, note]


@pytest.mark.django_db
def test_internal_history_is_hidden_from_customers(conversation, customer, customer_manager, agent):
    ticket, _, _ = conversation
    internal = {TicketEvent.Kind.NOTE_ADDED, TicketEvent.Kind.EXECUTORS_CHANGED}

    for user in (customer, customer_manager):
        kinds = set(access.visible_events(user, ticket).values_list("kind", flat=True))
        assert kinds == {TicketEvent.Kind.REPLIED}
    staff_kinds = set(access.visible_events(agent, ticket).values_list("kind", flat=True))
    assert staff_kinds == internal | {TicketEvent.Kind.REPLIED}


@pytest.mark.django_db
def test_a_file_of_an_internal_note_is_not_found_for_customers(
    conversation, customer, customer_manager, agent
):
    ticket, _, note = conversation
    [attachment] = note.attachments.all()
    assert attachment.is_internal

    for user in (customer, customer_manager):
        with pytest.raises(Http404):
            access.get_attachment_for_user(user, ticket, attachment.pk)
    assert access.get_attachment_for_user(agent, ticket, attachment.pk) == attachment


@pytest.mark.django_db
def test_a_public_file_is_found_only_through_its_own_request(customer, agent):
    ticket = TicketFactory(requester=customer, status=S.IN_PROGRESS)
    other = TicketFactory(requester=customer, status=S.IN_PROGRESS)
    message = lifecycle.reply(
        ticket, actor=customer, body="Log attached", files=[SimpleUploadedFile("a.log", b"x")]
    )
    [attachment] = message.attachments.all()

    assert access.get_attachment_for_user(customer, ticket, attachment.pk) == attachment
    for user in (customer, agent):
        with pytest.raises(Http404):
            access.get_attachment_for_user(user, other, attachment.pk)
        with pytest.raises(Http404):
            access.get_attachment_for_user(user, ticket, attachment.pk + 1000)
