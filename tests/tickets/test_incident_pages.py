"""Major incidents in the console (workspace box, bulk action) and in the portal."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.urls import reverse

from tests.factories import TicketFactory, UserFactory
from tests.tickets.console_helpers import CHANGELIST, JSON, fresh, sent, workspace_url
from tickets import lifecycle
from tickets.lifecycle import incidents
from tickets.models import Ticket, TicketEvent

Kind = TicketEvent.Kind
TITLE = "Сбой SMS-шлюза"


def file_request(customer, subject):
    return lifecycle.create_ticket(
        requester=customer, type=Ticket.Type.PROBLEM, subject=subject, description="Не работает."
    )


def step_url(ticket, step):
    return reverse("admin:tickets_ticket_incident", args=[ticket.pk, step])


def detach_url(ticket, child):
    return reverse("admin:tickets_ticket_incident_detach", args=[ticket.pk, child.pk])


@pytest.fixture
def parent(customer):
    return file_request(customer, "Шлюз молчит у Альфы")


@pytest.fixture
def incident(parent, supervisor):
    incidents.mark(parent, actor=supervisor, title=TITLE)
    return parent


@pytest.fixture
def beta_child(other_org_customer):
    return file_request(other_org_customer, "Beta: SMS do not arrive")


# --- The workspace -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestMarking:
    def test_a_supervisor_marks_the_request_from_the_workspace(self, client, supervisor, parent):
        client.force_login(supervisor)
        assert 'id="incident-mark"' in client.get(workspace_url(parent)).content.decode()
        response = client.post(step_url(parent, "mark"), {"title": TITLE})
        assert response.status_code == 302
        assert fresh(parent).is_major_incident and fresh(parent).incident_title == TITLE

    def test_a_supervisor_may_publish_a_notice_for_the_incident(
        self, client, supervisor, agent, incident
    ):
        client.force_login(supervisor)
        page = client.get(workspace_url(incident)).content.decode()
        assert f"/admin/tickets/statusnotice/add/?incident={incident.pk}" in page
        client.force_login(agent)
        assert 'id="incident-notice"' not in client.get(workspace_url(incident)).content.decode()

    def test_an_agent_is_not_offered_marking_and_is_refused(self, client, agent, parent):
        client.force_login(agent)
        assert 'id="incident-mark"' not in client.get(workspace_url(parent)).content.decode()
        response = client.post(step_url(parent, "mark"), {"title": TITLE})
        assert response.status_code == 400
        assert "только руководители" in response.content.decode()
        assert not fresh(parent).is_major_incident

    @pytest.mark.parametrize("who", ["customer", "other_org_customer"])
    def test_customers_never_reach_the_console_actions(self, client, request, who, parent):
        client.force_login(request.getfixturevalue(who))
        response = client.post(step_url(parent, "mark"), {"title": TITLE})
        assert response.status_code == 302 and reverse("admin:login") in response.url
        assert not fresh(parent).is_major_incident

    def test_an_empty_title_is_refused_with_a_reason(self, client, supervisor, parent):
        client.force_login(supervisor)
        response = client.post(step_url(parent, "mark"), {"title": ""})
        assert response.status_code == 400 and not fresh(parent).is_major_incident

    def test_unknown_steps_and_requests_are_404_and_get_is_405(self, client, supervisor, parent):
        client.force_login(supervisor)
        assert client.post(step_url(parent, "explode")).status_code == 404
        missing = reverse("admin:tickets_ticket_incident", args=[parent.pk + 999, "mark"])
        assert client.post(missing, {"title": TITLE}).status_code == 404
        assert client.get(step_url(parent, "mark")).status_code == 405

    def test_unmarking_detaches_the_children(self, client, supervisor, agent, incident, beta_child):
        incidents.attach(beta_child, incident=incident, actor=agent)
        client.force_login(supervisor)
        response = client.post(step_url(incident, "unmark"))
        assert response.status_code == 302
        assert not fresh(incident).is_major_incident
        assert fresh(beta_child).major_incident_id is None


@pytest.mark.django_db
class TestChildren:
    def test_an_agent_attaches_requests_by_id(self, client, agent, customer, incident, beta_child):
        own = file_request(customer, "Alpha: SMS lost")
        client.force_login(agent)
        response = client.post(
            step_url(incident, "attach"), {"references": f"{beta_child.reference}, {own.pk}"}
        )
        assert response.status_code == 302
        assert {fresh(beta_child).major_incident_id, fresh(own).major_incident_id} == {incident.pk}
        page = client.get(workspace_url(incident)).content.decode()
        children = page.split('id="incident-children"')[1].split("</ul>")[0]
        assert beta_child.reference in children and "Beta Telecom" in children

    def test_wrong_and_unknown_ids_are_named_and_the_rest_attached(
        self, client, agent, incident, beta_child
    ):
        client.force_login(agent)
        response = client.post(
            step_url(incident, "attach"), {"references": f"{beta_child.reference} PT-99999"}
        )
        assert response.status_code == 400
        assert "PT-99999" in response.content.decode()
        assert fresh(beta_child).major_incident_id == incident.pk
        response = client.post(step_url(incident, "attach"), {"references": "modem; drop"})
        assert (
            response.status_code == 400 and "Это не номера обращений" in response.content.decode()
        )

    def test_detach_from_the_incident_or_from_the_child(
        self, client, agent, incident, beta_child, customer
    ):
        other = file_request(customer, "Ещё")
        for child in (beta_child, other):
            incidents.attach(child, incident=incident, actor=agent)
        client.force_login(agent)
        assert client.post(detach_url(incident, beta_child)).status_code == 302
        assert client.post(detach_url(other, other)).status_code == 302
        assert not incident.children.exists()
        # A request that is not this incident's child: 404, nothing changes.
        incidents.attach(fresh(other), incident=incident, actor=agent)
        assert client.post(detach_url(beta_child, other)).status_code == 404
        assert fresh(other).major_incident_id == incident.pk

    def test_the_child_shows_its_incident(self, client, agent, incident, beta_child):
        incidents.attach(beta_child, incident=incident, actor=agent)
        client.force_login(agent)
        page = client.get(workspace_url(beta_child)).content.decode()
        assert 'id="incident-parent"' in page and incident.reference in page

    def test_the_update_form_posts_to_every_child(self, client, agent, incident, beta_child):
        incidents.attach(beta_child, incident=incident, actor=agent)
        client.force_login(agent)
        response = client.post(step_url(incident, "update"), {"body": "Ждём поставщика."}, **JSON)
        assert response.status_code == 200 and response.json()["ok"]
        assert beta_child.comments.get().body == "Ждём поставщика."
        response = client.post(step_url(incident, "update"), {"body": ""}, **JSON)
        assert response.status_code == 400 and not response.json()["ok"]

    @pytest.mark.parametrize("count", [2, 30])
    def test_the_workspace_of_an_incident_costs_the_same_whatever_its_children(
        self, client, agent, incident, django_assert_max_num_queries, count
    ):
        for i in range(count):
            child = TicketFactory(requester=UserFactory(), subject=f"Child {i}")
            incidents.attach(child, incident=incident, actor=agent)
        client.force_login(agent)
        client.get(workspace_url(incident))
        with django_assert_max_num_queries(12):
            page = client.get(workspace_url(incident)).content.decode()
        assert page.count("console-status-new") >= count

    def test_a_long_list_of_children_is_cut(self, client, agent, incident, monkeypatch):
        monkeypatch.setattr("tickets.console.workspace.CHILDREN_SHOWN", 3)
        for i in range(5):
            child = TicketFactory(requester=UserFactory(), subject=f"Child {i}")
            incidents.attach(child, incident=incident, actor=agent)
        client.force_login(agent)
        page = client.get(workspace_url(incident)).content.decode()
        children = page.split('id="incident-children"')[1].split("</ul>")[0]
        assert children.count("<li>") == 3 and "Первые 3" in page


@pytest.mark.django_db
class TestLikelyDuplicates:
    """The incident's workspace offers open requests of any organisation that look like it."""

    @pytest.fixture
    def gateway_incident(self, customer, supervisor):
        parent = file_request(customer, "Не приходят SMS через шлюз")
        incidents.mark(parent, actor=supervisor, title="Сбой SMS-шлюза")
        return parent

    def duplicates(self, page):
        if 'id="incident-duplicates"' not in page:
            return ""
        return page.split('id="incident-duplicates"')[1].split("</ul>")[0]

    def test_similar_open_requests_of_other_organisations_are_offered(
        self, client, agent, gateway_incident, other_org_customer, customer
    ):
        similar = file_request(other_org_customer, "SMS не приходят абонентам")
        unrelated = file_request(other_org_customer, "Выгрузка CDR за месяц")
        attached = file_request(customer, "SMS-шлюз не отвечает")
        incidents.attach(attached, incident=gateway_incident, actor=agent)
        closed = file_request(customer, "SMS не приходят")
        lifecycle.close(closed, actor=agent)
        client.force_login(agent)
        offered = self.duplicates(client.get(workspace_url(gateway_incident)).content.decode())
        assert similar.reference in offered and other_org_customer.organization.name in offered
        for other in (attached, closed, gateway_incident):
            assert f">{other.reference}<" not in offered
        if connection.vendor == "postgresql":  # SQLite's fallback matches word starts loosely
            assert f">{unrelated.reference}<" not in offered

    def test_one_click_attaches_the_offered_request(
        self, client, agent, gateway_incident, other_org_customer
    ):
        similar = file_request(other_org_customer, "SMS не приходят абонентам")
        client.force_login(agent)
        page = client.get(workspace_url(gateway_incident)).content.decode()
        assert f'name="references" value="{similar.reference}"' in self.duplicates(page)
        response = client.post(
            step_url(gateway_incident, "attach"), {"references": similar.reference}
        )
        assert response.status_code == 302
        assert fresh(similar).major_incident_id == gateway_incident.pk
        page = client.get(workspace_url(gateway_incident)).content.decode()
        assert similar.reference not in self.duplicates(page)

    def test_an_ordinary_request_offers_nothing(self, client, agent, parent, other_org_customer):
        file_request(other_org_customer, "Шлюз молчит у Беты")
        client.force_login(agent)
        assert self.duplicates(client.get(workspace_url(parent)).content.decode()) == ""

    def test_customers_never_reach_the_offer(self, client, gateway_incident, other_org_customer):
        file_request(other_org_customer, "SMS не приходят абонентам")
        client.force_login(other_org_customer)
        response = client.get(workspace_url(gateway_incident))
        assert response.status_code == 302 and reverse("admin:login") in response.url


@pytest.mark.django_db
class TestBulkAttach:
    def post(self, client, tickets, incident_ref):
        return client.post(
            CHANGELIST,
            {
                "action": "attach_selected_to_incident",
                ACTION_CHECKBOX_NAME: [t.pk for t in tickets],
                "incident": incident_ref,
            },
        )

    def test_the_queue_attaches_the_selected_requests(
        self, client, agent, customer, incident, beta_child
    ):
        own = file_request(customer, "Alpha: SMS lost")
        client.force_login(agent)
        response = self.post(client, [beta_child, own, incident], incident.reference)
        assert response.status_code == 302
        assert incident.children.count() == 2
        assert any("2 обращения присоединены" in text for _level, text in sent(response))
        assert any("нельзя присоединить к самому себе" in text for _level, text in sent(response))

    def test_a_missing_or_ordinary_incident_changes_nothing(
        self, client, agent, parent, beta_child
    ):
        client.force_login(agent)
        for reference in ("", "PT-99999", parent.reference):
            response = self.post(client, [beta_child], reference)
            assert response.status_code == 302
            assert any("номер массового инцидента" in text for _level, text in sent(response))
        assert fresh(beta_child).major_incident_id is None


# --- The portal ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPortal:
    def test_the_customer_sees_the_wider_incident_but_nothing_of_the_others(
        self, client, agent, incident, beta_child, other_org_customer, customer
    ):
        incidents.attach(beta_child, incident=incident, actor=agent)
        lifecycle.add_note(incident, actor=agent, body="Поставщик X виноват")
        incidents.post_update(incident, actor=agent, body="Меняем плату.")
        client.force_login(other_org_customer)
        page = client.get(beta_child.get_absolute_url()).content.decode()
        assert 'id="incident-note"' in page and TITLE in page
        assert "Меняем плату." in page
        for secret in (incident.reference, incident.subject, "Alpha", customer.full_name):
            assert secret not in page
        assert "Поставщик X" not in page
        assert client.get(incident.get_absolute_url()).status_code == 404

    def test_the_incidents_own_customer_sees_no_childrens_references(
        self, client, agent, incident, beta_child, customer
    ):
        incidents.attach(beta_child, incident=incident, actor=agent)
        client.force_login(customer)
        page = client.get(incident.get_absolute_url()).content.decode()
        assert beta_child.reference not in page and "Beta" not in page

    def test_a_request_outside_any_incident_shows_no_note(
        self, client, beta_child, other_org_customer
    ):
        client.force_login(other_org_customer)
        page = client.get(beta_child.get_absolute_url()).content.decode()
        assert 'id="incident-note"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize("updates", [1, 15])
def test_a_childs_page_costs_the_same_whatever_the_updates(
    client, agent, incident, beta_child, other_org_customer, django_assert_max_num_queries, updates
):
    incidents.attach(beta_child, incident=incident, actor=agent)
    for i in range(updates):
        incidents.post_update(incident, actor=agent, body=f"Новость {i}")
    client.force_login(other_org_customer)
    # The request page's 8, the status notices (first page of the process), the incident title.
    with django_assert_max_num_queries(10):
        page = client.get(beta_child.get_absolute_url()).content.decode()
    assert page.count("Новость ") == updates


@pytest.mark.django_db
def test_the_queue_marks_incidents_and_their_children(client, agent, incident, beta_child):
    incidents.attach(beta_child, incident=incident, actor=agent)
    client.force_login(agent)
    page = client.get(CHANGELIST).content.decode()
    assert 'class="console-incident">массовый инцидент<' in page
    assert f'class="console-incident-child">→ {incident.reference}<' in page
