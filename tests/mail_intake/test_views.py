"""What people see of the e-mail channel: the marker in the conversation, the .eml for staff
only, the mailboxes in the console (administrators only), and the failing ones."""

import pytest
from django.urls import reverse

from inbound.models import InboundMessage, Mailbox
from tests.mail_intake import samples
from tests.tickets.console_helpers import workspace_url
from tickets.mail_intake import acting


@pytest.fixture
def emailed(django_capture_on_commit_callbacks, ticket, customer):
    """The customer's reply to their request, by e-mail."""
    raw = samples.mail(sender=customer.email, subject=f"[{ticket.reference}]", text="По почте")
    with django_capture_on_commit_callbacks(execute=True):
        record = acting.process(raw)
    assert record.outcome == InboundMessage.Outcome.REPLIED
    return record


def test_the_workspace_marks_a_message_that_came_by_e_mail_and_offers_the_original(
    client, agent, ticket, emailed, django_assert_max_num_queries
):
    client.force_login(agent)
    with django_assert_max_num_queries(40):
        html = client.get(workspace_url(ticket)).content.decode()
    assert "ws-by-email" in html and "По почте" in html
    original = emailed.comment.attachments.get(content_type="message/rfc822")
    assert original.original_name in html


def test_the_customer_sees_the_marker_but_never_the_staff_only_original(
    client, customer, other_org_customer, ticket, emailed
):
    client.force_login(customer)
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert "По почте" in html and "badge-email" in html
    assert ".eml" not in html
    original = emailed.comment.attachments.get(content_type="message/rfc822")
    download = reverse(
        "tickets:attachment", args=[ticket.reference, original.pk, original.original_name]
    )
    assert client.get(download).status_code == 404
    client.force_login(other_org_customer)
    assert client.get(ticket.get_absolute_url()).status_code == 404


def test_administrators_see_failing_mailboxes_and_agents_cannot_open_the_list(
    client, administrator, agent, db
):
    Mailbox.objects.create(
        name="Поддержка", host="imap.example.test", username="support", password_env="X",
        failures=3, last_error="MailboxLoginError: AUTHENTICATIONFAILED",
    )  # fmt: skip
    client.force_login(administrator)
    html = client.get(reverse("admin:inbound_mailbox_changelist")).content.decode()
    assert "Поддержка" in html and "AUTHENTICATIONFAILED" in html
    client.force_login(agent)
    assert client.get(reverse("admin:inbound_mailbox_changelist")).status_code == 403


def test_the_incoming_messages_list_is_read_only_and_constant_in_queries(
    client, administrator, emailed, django_assert_max_num_queries
):
    client.force_login(administrator)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:inbound_inboundmessage_changelist"))
    assert response.status_code == 200
    assert client.get(reverse("admin:inbound_inboundmessage_add")).status_code == 403
