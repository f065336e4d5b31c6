"""Customer satisfaction: asked once after closing, signed one-click links, one rating per
request, low ratings to the supervisors, the rating in the workspace."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from tests.conftest import text_body
from tests.factories import TicketFactory
from tickets import lifecycle, satisfaction
from tickets.lifecycle import auto_close_due
from tickets.models import Rating, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
S = Ticket.Status
Kind = TicketEvent.Kind
LINK = re.compile(r"http://testserver(/rate/[^/\s]+/(\d)/)")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def resolved(customer, agent) -> Ticket:
    ticket = TicketFactory(requester=customer)
    lifecycle.take(ticket, actor=agent)
    lifecycle.resolve(ticket, actor=agent, solution="Перезагрузите коммутатор.")
    ticket.refresh_from_db()
    return ticket


def confirmed(customer, agent) -> Ticket:
    ticket = resolved(customer, agent)
    lifecycle.confirm(ticket, actor=customer)
    ticket.refresh_from_db()
    return ticket


def links_in(message) -> dict[int, str]:
    return {int(score): path for path, score in LINK.findall(text_body(message))}


def link(ticket, score=4) -> str:
    return reverse("rating", args=[satisfaction.link_token(ticket), score])


def page_text(response) -> str:
    return response.content.decode()


# --- Asked once, by e-mail with one-click links ------------------------------------------------


def test_confirming_mails_the_requester_five_signed_rating_links(
    smtp_server, committed, customer, agent
):
    ticket = resolved(customer, agent)
    smtp_server.messages.clear()
    with committed():
        lifecycle.confirm(ticket, actor=customer)
    [message] = smtp_server.to(customer.email)
    links = links_in(message)
    assert sorted(links) == [1, 2, 3, 4, 5]
    token = links[5].split("/")[2]
    assert signing.loads(token, salt=satisfaction.SALT) == {"t": ticket.pk, "u": customer.pk}


def test_automatic_closing_mails_the_rating_links_too(smtp_server, committed, customer, agent):
    ticket = resolved(customer, agent)
    smtp_server.messages.clear()
    with committed():
        auto_close_due(now=ticket.auto_close_at + timedelta(minutes=1))
    [message] = smtp_server.to(customer.email)
    assert sorted(links_in(message)) == [1, 2, 3, 4, 5]


def test_a_withdrawn_request_is_not_rated(smtp_server, committed, customer, agent, client):
    ticket = resolved(customer, agent)
    smtp_server.messages.clear()
    with committed():
        lifecycle.withdraw(ticket, actor=customer)
    assert links_in(smtp_server.to(customer.email)[0]) == {}
    with pytest.raises(satisfaction.RatingRefused):
        satisfaction.rate(ticket, rater=customer, score=5)
    client.force_login(customer)
    assert 'id="rating"' not in page_text(client.get(ticket.get_absolute_url()))


def test_the_closing_mail_has_no_links_once_the_request_was_rated_on_its_page(
    smtp_server, customer, agent, database_broker
):
    # With the database broker the e-mail goes out later: the customer rated meanwhile.
    from tickets import outbox

    ticket = resolved(customer, agent)
    event = lifecycle.confirm(ticket, actor=customer)
    satisfaction.rate(ticket, rater=customer, score=5)
    smtp_server.messages.clear()
    outbox.dispatch_now([event.pk])
    [message] = smtp_server.to(customer.email)
    assert links_in(message) == {}


# --- The link: GET confirms, POST records -------------------------------------------------------


def test_opening_a_link_records_nothing_so_mail_scanners_rate_nothing(client, customer, agent):
    ticket = confirmed(customer, agent)
    response = client.get(link(ticket, 2))
    assert response.status_code == 200
    assert response.context["form"].initial == {"score": 2}
    assert 'value="2" required id="id_score_3" checked' in page_text(response)
    assert not Rating.objects.exists()
    assert not ticket.events.filter(kind=Kind.RATED).exists()


def test_posting_the_link_records_the_rating_and_its_history_entry(client, customer, agent):
    ticket = confirmed(customer, agent)
    response = client.post(link(ticket, 4), {"score": "4", "comment": "Быстро и вежливо"})
    assert response.status_code == 200
    assert "Спасибо за оценку" in page_text(response)
    rating = Rating.objects.get()
    assert (rating.ticket, rating.score, rating.comment, rating.rated_by) == (
        ticket,
        4,
        "Быстро и вежливо",
        customer,
    )
    event = ticket.events.get(kind=Kind.RATED)
    assert (event.actor, event.data, event.is_public) == (customer, {"score": 4}, True)


def test_the_confirmation_page_may_change_the_score_the_link_proposed(client, customer, agent):
    ticket = confirmed(customer, agent)
    client.post(link(ticket, 1), {"score": "5"})
    assert Rating.objects.get().score == 5


def test_a_reused_link_is_refused_with_a_clear_page(client, customer, agent):
    ticket = confirmed(customer, agent)
    client.post(link(ticket, 5), {"score": "5"})
    for response in (client.get(link(ticket, 1)), client.post(link(ticket, 1), {"score": "1"})):
        assert response.status_code == 409
        assert "уже оценено" in page_text(response)
    assert list(Rating.objects.values_list("score", flat=True)) == [5]
    assert ticket.events.filter(kind=Kind.RATED).count() == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "not-a-token",
        # Signed with the site's key but for another purpose (another salt).
        lambda token: signing.dumps(signing.loads(token, salt=satisfaction.SALT)),
        # A validly signed link for someone else's request is a different token altogether:
        # changing the numbers inside breaks the signature.
        lambda token: token.replace(token.split(":")[0], token.split(":")[0][::-1]),
    ],
)
def test_a_forged_link_is_refused_with_a_clear_page(client, customer, agent, forge):
    ticket = confirmed(customer, agent)
    token = forge(satisfaction.link_token(ticket))
    for response in (
        client.get(reverse("rating", args=[token, 5])),
        client.post(reverse("rating", args=[token, 5]), {"score": "5"}),
    ):
        assert response.status_code == 400
        assert "Ссылка для оценки недействительна" in page_text(response)
    assert not Rating.objects.exists()


def test_a_link_signed_for_a_request_whose_requester_changed_is_refused(
    client, customer, colleague, agent
):
    ticket = confirmed(customer, agent)
    token = signing.dumps({"t": ticket.pk, "u": colleague.pk}, salt=satisfaction.SALT)
    response = client.post(reverse("rating", args=[token, 5]), {"score": "5"})
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_an_expired_link_is_refused_with_a_clear_page(client, customer, agent, settings):
    settings.RATING_WINDOW = timedelta(days=30)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        ticket = confirmed(customer, agent)
        url = link(ticket, 5)
        traveller.shift(timedelta(days=30, seconds=1))
        response = client.post(url, {"score": "5"})
    assert response.status_code == 410
    assert "истёк" in page_text(response) and "30 дней" in page_text(response)
    assert not Rating.objects.exists()


def test_a_link_within_its_window_still_works(client, customer, agent, settings):
    settings.RATING_WINDOW = timedelta(days=30)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        ticket = confirmed(customer, agent)
        url = link(ticket, 5)
        traveller.shift(timedelta(days=29, hours=23))
        assert client.post(url, {"score": "5"}).status_code == 200
    assert Rating.objects.get().score == 5


def test_a_score_out_of_range_is_a_form_error_not_a_500(client, customer, agent):
    ticket = confirmed(customer, agent)
    assert client.get(link(ticket, 9)).status_code == 200
    response = client.post(link(ticket, 9), {"score": "9"})
    assert response.status_code == 400
    assert response.context["form"].errors["score"]
    assert not Rating.objects.exists()


def test_a_link_page_speaks_the_requesters_language(client, customer, agent):
    customer.language = "en"
    customer.save()
    ticket = confirmed(customer, agent)
    assert "Send the rating" in page_text(client.get(link(ticket, 5)))


def test_other_methods_on_a_link_are_refused(client, customer, agent):
    ticket = confirmed(customer, agent)
    assert client.put(link(ticket, 5)).status_code == 405
    assert not Rating.objects.exists()


# --- The prompt on the request's page -------------------------------------------------------------


def rate_url(ticket) -> str:
    return reverse("tickets:rate", kwargs={"reference": ticket.reference})


def test_the_closed_request_page_asks_its_requester_once(client, customer, agent):
    ticket = confirmed(customer, agent)
    client.force_login(customer)
    assert 'id="rating"' in page_text(client.get(ticket.get_absolute_url()))
    response = client.post(rate_url(ticket), {"score": "3", "comment": "Долго"})
    assert response.status_code == 302
    page = page_text(client.get(ticket.get_absolute_url()))
    assert 'id="rating"' not in page and "Оценка: 3 из 5" in page
    again = client.post(rate_url(ticket), {"score": "5"})
    assert again.status_code == 400 and "уже оценено" in page_text(again)
    assert Rating.objects.get().score == 3


def test_an_open_request_cannot_be_rated(client, customer, agent):
    ticket = resolved(customer, agent)
    client.force_login(customer)
    assert 'id="rating"' not in page_text(client.get(ticket.get_absolute_url()))
    assert client.post(rate_url(ticket), {"score": "5"}).status_code == 400
    assert not Rating.objects.exists()


def test_a_customer_manager_sees_the_request_but_is_not_the_one_asked(
    client, customer, customer_manager, agent
):
    ticket = confirmed(customer, agent)
    client.force_login(customer_manager)
    assert 'id="rating"' not in page_text(client.get(ticket.get_absolute_url()))
    response = client.post(rate_url(ticket), {"score": "1"})
    assert response.status_code == 400
    assert not Rating.objects.exists()


@pytest.mark.parametrize("who", ["colleague", "other_org_customer"])
def test_customers_who_may_not_see_the_request_get_a_404(client, request, customer, agent, who):
    ticket = confirmed(customer, agent)
    client.force_login(request.getfixturevalue(who))
    assert client.post(rate_url(ticket), {"score": "1"}).status_code == 404
    assert not Rating.objects.exists()


def test_staff_cannot_rate_for_the_customer(client, customer, agent):
    ticket = confirmed(customer, agent)
    client.force_login(agent)
    assert client.post(rate_url(ticket), {"score": "5"}).status_code == 400
    with pytest.raises(satisfaction.RatingRefused):
        satisfaction.rate(ticket, rater=agent, score=5)
    assert not Rating.objects.exists()


def test_the_prompt_goes_once_the_window_has_passed(client, customer, agent, settings):
    settings.RATING_WINDOW = timedelta(days=30)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        ticket = confirmed(customer, agent)
        traveller.shift(timedelta(days=31))
        client.force_login(customer)
        assert 'id="rating"' not in page_text(client.get(ticket.get_absolute_url()))


# --- One rating per request, low ratings to the supervisors --------------------------------------


def test_a_second_rating_of_the_same_request_is_refused(customer, agent):
    ticket = confirmed(customer, agent)
    satisfaction.rate(ticket, rater=customer, score=4)
    fresh = Ticket.objects.get(pk=ticket.pk)  # as another request would load it
    with pytest.raises(satisfaction.AlreadyRated):
        satisfaction.rate(fresh, rater=customer, score=1)
    assert Rating.objects.count() == 1


def test_the_unique_row_refuses_a_rating_that_slipped_past_the_check(customer, agent):
    ticket = confirmed(customer, agent)
    satisfaction.rate(ticket, rater=customer, score=4)
    stale = Ticket.objects.get(pk=ticket.pk)
    stale._state.fields_cache["rating"] = None  # as if read before the first rating
    with pytest.raises(satisfaction.AlreadyRated):
        satisfaction.rate(stale, rater=customer, score=1)
    assert list(Rating.objects.values_list("score", flat=True)) == [4]


def test_a_low_rating_is_mailed_to_the_supervisors_only(
    smtp_server, committed, customer, agent, supervisor
):
    ticket = confirmed(customer, agent)
    smtp_server.messages.clear()
    with committed():
        satisfaction.rate(ticket, rater=customer, score=2, comment="Три дня без связи")
    assert [m.envelope_recipients for m in smtp_server.messages] == [[supervisor.email]]
    [message] = smtp_server.messages
    assert "2 из 5" in str(message["Subject"])
    assert "Три дня без связи" in text_body(message)
    assert f"/admin/tickets/ticket/{ticket.pk}/" in text_body(message)


def test_a_good_rating_mails_nobody(smtp_server, committed, customer, agent, supervisor):
    ticket = confirmed(customer, agent)
    smtp_server.messages.clear()
    with committed():
        satisfaction.rate(ticket, rater=customer, score=3)
    assert smtp_server.messages == []
    assert ticket.events.get(kind=Kind.RATED).notified_at is not None


# --- In the console -------------------------------------------------------------------------------


def workspace(ticket) -> str:
    return reverse("admin:tickets_ticket_workspace", args=[ticket.pk])


def test_the_workspace_shows_the_rating_and_its_comment(client, customer, agent):
    ticket = confirmed(customer, agent)
    satisfaction.rate(ticket, rater=customer, score=1, comment="Никто не перезвонил")
    client.force_login(agent)
    page = page_text(client.get(workspace(ticket)))
    assert 'id="ws-rating"' in page and "ws-rating-low" in page
    assert "1 из 5" in page and "Никто не перезвонил" in page


def test_the_workspace_costs_no_query_more_with_a_rating(
    client, customer, agent, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plain, rated = confirmed(customer, agent), confirmed(customer, agent)
    satisfaction.rate(rated, rater=customer, score=5)
    client.force_login(agent)
    client.get(workspace(plain))
    client.get(workspace(rated))  # both conversations built once (tickets.timeline)
    with CaptureQueriesContext(connection) as without:
        client.get(workspace(plain))
    with django_assert_num_queries(len(without)):
        client.get(workspace(rated))


def test_customers_never_reach_the_workspace_rating(client, customer, agent):
    ticket = confirmed(customer, agent)
    satisfaction.rate(ticket, rater=customer, score=1, comment="Плохо")
    client.force_login(customer)
    response = client.get(workspace(ticket))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_staff_can_rate_nothing_by_link_of_a_closed_by_support_request(client, customer, agent):
    ticket = resolved(customer, agent)
    lifecycle.close(ticket, actor=agent, note="Дубликат")
    response = client.post(link(ticket, 5), {"score": "5"})
    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_a_deactivated_requester_cannot_rate(client, customer, agent):
    ticket = confirmed(customer, agent)
    customer.is_active = False
    customer.save()
    assert client.post(link(ticket, 5), {"score": "5"}).status_code == 400
    assert not Rating.objects.exists()


def test_a_link_of_a_request_not_closed_says_so_when_opened(client, customer, agent):
    ticket = resolved(customer, agent)
    response = client.get(link(ticket, 5))
    assert response.status_code == 400
    assert "можно оценить, когда оно закрыто" in page_text(response)
