"""The console's queue: open requests most urgent first, filters, search, bulk actions, roles."""

from datetime import timedelta

import factory
import pytest
from django.contrib import messages
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from tests.factories import OrganizationFactory, StaffUserFactory, TicketFactory, UserFactory
from tests.tickets.console_helpers import CHANGELIST, fresh, sent, workspace_url
from tickets import lifecycle
from tickets.models import Ticket, TicketEvent

S = Ticket.Status
P = Ticket.Priority
Kind = TicketEvent.Kind


def listed(response):
    return [ticket.pk for ticket in response.context["cl"].result_list]


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
        for url in (CHANGELIST, workspace_url(ticket), reverse("admin:index")):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))

    def test_columns_link_the_id_and_mark_the_priority(self, client, agent, customer):
        ticket = TicketFactory(requester=customer, priority=P.CRITICAL)
        client.force_login(agent)
        html = client.get(CHANGELIST).content.decode()
        assert (
            f'<a href="{workspace_url(ticket)}" class="console-ref">{ticket.reference}</a>' in html
        )
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

    def test_organisation_filter_is_a_search_box_not_a_link_per_organisation(
        self, client, agent, customer, other_org_customer
    ):
        OrganizationFactory.create_batch(12, name=factory.Sequence(lambda n: f"Beta Zone {n:02}"))
        mine = TicketFactory(requester=customer)
        theirs = TicketFactory(requester=other_org_customer)
        client.force_login(agent)
        page = client.get(CHANGELIST).content.decode()
        assert 'name="org"' in page and "organization__id__exact" not in page

        response = client.get(CHANGELIST, {"org": "beta", "status": "open"})
        assert listed(response) == [theirs.pk]  # every organisation whose name has the text
        page = response.content.decode()
        assert page.count("organization__id__exact=") == 10  # the first ten, then "…"
        assert f"organization__id__exact={other_org_customer.organization_id}" in page
        assert 'type="hidden" name="status" value="open"' in page  # the box keeps the rest

        chosen = {"organization__id__exact": customer.organization_id}
        response = client.get(CHANGELIST, chosen)
        assert listed(response) == [mine.pk]
        assert customer.organization.name in response.content.decode()

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
        for params in ({"status": "nonsense"}, {"engineer": "x"}, {"waiting_days": "2"},
                       {"organization__id__exact": "x"}):  # fmt: skip
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
        # Session, user, 2× permissions, engineer filter, count, page, engineers of the action
        # bar, SLA targets; the organisation filter only when it is used (one query).
        with django_assert_max_num_queries(9):
            assert client.get(CHANGELIST).status_code == 200
        with django_assert_max_num_queries(9):
            assert client.get(CHANGELIST, {"engineer": "me", "q": "a"}).status_code == 200
        with django_assert_max_num_queries(10):
            assert client.get(CHANGELIST, {"org": "beta", "sla": "at_risk"}).status_code == 200
        chosen = {"organization__id__exact": other_org_customer.organization_id}
        with django_assert_max_num_queries(10):
            assert client.get(CHANGELIST, chosen).status_code == 200


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
