"""The support plan form in the back office."""

import pytest
from django.urls import reverse

from tickets.models import Ticket

ADD_PLAN = reverse("admin:sla_supportplan_add")


@pytest.mark.django_db
def test_the_plan_form_offers_every_request_type(client, supervisor):
    client.force_login(supervisor)
    response = client.get(ADD_PLAN)
    assert response.status_code == 200
    choices = response.context["adminform"].form.fields["covered_types"].choices
    assert choices == Ticket.Type.choices


@pytest.mark.django_db
def test_an_agent_cannot_add_a_plan(client, agent):
    client.force_login(agent)
    assert client.get(ADD_PLAN).status_code == 403
