"""The status banner: "Known problem: …" for the affected organisations only, cheaply."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import OrganizationFactory, UserFactory
from tickets import lifecycle, notices
from tickets.lifecycle import incidents
from tickets.models import StatusNotice, Ticket

LIST = reverse("tickets:list")
NEW = reverse("tickets:new")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


def publish(*, organizations=(), everyone=False, **fields) -> StatusNotice:
    notice = StatusNotice.objects.create(
        text_ru=fields.pop("text_ru", "SMS не доставляются, чиним"),
        everyone=everyone,
        **fields,
    )
    notice.organizations.set(organizations)
    return notice


def banner(client, url=LIST) -> str:
    page = client.get(url).content.decode()
    return (
        page.split('id="status-notices"')[1].split("</div>")[0] if "status-notices" in page else ""
    )


@pytest.mark.django_db
class TestWhoSeesIt:
    def test_the_affected_organisation_sees_it_on_every_page_and_the_new_form(
        self, client, customer, organization
    ):
        publish(organizations=[organization])
        client.force_login(customer)
        assert "Известная проблема:" in banner(client)
        assert "SMS не доставляются" in banner(client)
        new_form = client.get(NEW).content.decode()
        assert "SMS не доставляются" in new_form and "status-notice-hint" in new_form

    def test_another_organisation_sees_nothing(
        self, client, other_org_customer, other_org_manager, organization
    ):
        publish(organizations=[organization])
        for user in (other_org_customer, other_org_manager):
            client.force_login(user)
            assert banner(client) == "" and banner(client, NEW) == ""

    def test_a_notice_for_everyone_reaches_every_organisation(self, client, other_org_customer):
        publish(everyone=True, text_ru="Плановые работы")
        client.force_login(other_org_customer)
        assert "Плановые работы" in banner(client)

    def test_english_readers_get_the_english_text_or_the_russian_one(
        self, client, other_organization
    ):
        reader = UserFactory(organization=other_organization, language="en")
        publish(everyone=True, text_en="SMS are delayed")
        publish(everyone=True, text_ru="Только по-русски")
        client.force_login(reader)
        client.cookies["django_language"] = "en"
        text = banner(client)
        assert "Known problem:" in text and "SMS are delayed" in text
        assert "Только по-русски" in text

    def test_staff_and_visitors_see_no_banner(self, client, agent):
        publish(everyone=True)
        assert notices.texts_for(agent) == []
        assert "status-notices" not in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
class TestWhen:
    def test_only_between_its_start_and_end(self, customer, organization):
        publish(
            organizations=[organization],
            starts_at=NOW + dt.timedelta(hours=1),
            ends_at=NOW + dt.timedelta(hours=3),
        )
        with time_machine.travel(NOW, tick=False):
            assert notices.texts_for(customer, now=NOW) == []
        notices.forget()
        assert notices.texts_for(customer, now=NOW + dt.timedelta(hours=2))
        assert notices.texts_for(customer, now=NOW + dt.timedelta(hours=3)) == []

    def test_it_disappears_when_its_incident_is_resolved(
        self, customer, organization, supervisor, agent
    ):
        incident = lifecycle.create_ticket(
            requester=customer, type=Ticket.Type.PROBLEM, subject="Сбой", description="…"
        )
        incidents.mark(incident, actor=supervisor, title="Сбой SMS")
        publish(organizations=[organization], incident=incident)
        assert notices.texts_for(customer)
        with self.committed():
            lifecycle.resolve(incident, actor=agent, solution="Починили")
        assert notices.texts_for(customer) == []

    def test_a_change_of_the_notice_shows_at_once(self, customer, organization):
        notice = publish(organizations=[organization])
        assert notices.texts_for(customer)
        with self.committed():
            notice.ends_at = timezone.now() - dt.timedelta(minutes=1)
            notice.save()
        assert notices.texts_for(customer) == []

    @pytest.fixture(autouse=True)
    def _committed(self, django_capture_on_commit_callbacks):
        self.committed = lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 25])
def test_the_banner_costs_no_query_once_read(
    client, customer, organization, django_assert_max_num_queries, count
):
    for i in range(count):
        others = [OrganizationFactory()]
        publish(organizations=[organization, *others], text_ru=f"Проблема {i}")
    client.force_login(customer)
    with django_assert_max_num_queries(6):  # the list's 5, and the notices read once: 2 queries
        first = banner(client)
    with django_assert_max_num_queries(5) as captured:
        again = banner(client)
    assert first == again and first.count('class="status-notice"') == count
    assert not any("statusnotice" in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db
class TestConsole:
    def test_a_supervisor_publishes_a_notice(self, client, supervisor, organization, customer):
        client.force_login(supervisor)
        response = client.post(
            reverse("admin:tickets_statusnotice_add"),
            {
                "text_ru": "Сбой SMS",
                "text_en": "",
                "organizations": [organization.pk],
                "starts_at_0": "01.12.2026",
                "starts_at_1": "10:00:00",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        notice = StatusNotice.objects.get()
        assert notice.created_by == supervisor
        notices.forget()
        assert notices.texts_for(customer) == ["Сбой SMS"]

    def test_no_audience_is_refused(self, client, supervisor):
        client.force_login(supervisor)
        response = client.post(
            reverse("admin:tickets_statusnotice_add"),
            {"text_ru": "Сбой", "starts_at_0": "01.12.2026", "starts_at_1": "10:00:00"},
        )
        assert response.status_code == 200 and not StatusNotice.objects.exists()

    def test_agents_may_only_read_and_customers_nothing(self, client, agent, customer):
        client.force_login(agent)
        assert client.get(reverse("admin:tickets_statusnotice_changelist")).status_code == 200
        assert client.get(reverse("admin:tickets_statusnotice_add")).status_code == 403
        client.force_login(customer)
        response = client.get(reverse("admin:tickets_statusnotice_changelist"))
        assert response.status_code == 302
