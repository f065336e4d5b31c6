"""The console's header: the language switch, the reports for those who may see them, and
"View site" leading to the portal instead of back into the console."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
HOME = reverse("admin:index")


def test_view_site_leads_to_the_portal_start_page(client, agent):
    client.force_login(agent)
    html = client.get(HOME).content.decode()
    assert f'<a href="{reverse("portal")}">Открыть сайт</a>' in html
    page = client.get(reverse("portal"))
    assert page.status_code == 200
    body = page.content.decode()
    assert f'href="{reverse("admin:index")}"' in body and "Портал поддержки" in body


def test_the_portal_start_page_of_a_customer_is_their_requests(client, customer):
    client.force_login(customer)
    response = client.get(reverse("portal"))
    assert response.status_code == 302 and response.url == reverse("tickets:list")


def test_the_portal_start_page_needs_a_login(client):
    response = client.get(reverse("portal"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize(("role", "sees_reports"), [("agent", False), ("supervisor", True)])
def test_the_reports_link_is_there_for_those_who_may_see_them(client, request, role, sees_reports):
    client.force_login(request.getfixturevalue(role))
    html = client.get(HOME).content.decode()
    assert ('id="console-reports"' in html) is sees_reports
    assert (f'href="{reverse("reports:overview")}"' in html) is sees_reports


def test_the_language_switch_returns_to_the_same_page_in_english(client, agent, ticket):
    client.force_login(agent)
    url = reverse("admin:tickets_ticket_workspace", args=[ticket.pk])
    html = client.get(url).content.decode()
    assert 'class="console-langswitch"' in html and f'name="next" value="{url}"' in html
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": url})
    assert response.status_code == 302 and response.url == url
    english = client.get(url).content.decode()
    assert "Public reply" in english and "Публичный ответ" not in english
    agent.refresh_from_db()
    assert agent.language == "en"


def _chrome(html: str) -> str:
    """The page outside its content, tokens and nonces aside, whitespace collapsed."""
    html = re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    head, rest = html.split('<nav aria-label="', 1)
    tail = rest[rest.index('<br class="clear">') :]
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", head + tail))


@pytest.mark.parametrize("role", ["agent", "supervisor"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_workspace_has_the_chrome_of_every_other_console_page(
    client, request, ticket, role, language
):
    """The workspace renders its chrome from a flat template of its own (for speed): the same
    header, styles, scripts and footer as the admin's templates give the request's history."""
    user = request.getfixturevalue(role)
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    workspace = reverse("admin:tickets_ticket_workspace", args=[ticket.pk])
    history = reverse("admin:tickets_ticket_history", args=[ticket.pk])
    own = _chrome(client.get(workspace).content.decode())
    admins = _chrome(client.get(history).content.decode())
    # Only what differs by page: the title, the page's scripts, its body class and the path
    # the header's forms return to.
    own = own.replace(workspace, history)
    own = re.sub(r"<title>.*?</title>", "", own)
    admins = re.sub(r"<title>.*?</title>", "", admins)
    own = re.sub(r'<script src="[^"]*/js/(attachments|workspace)\.js"[^>]*></script>', "", own)
    own = own.replace(' class=" console-workspace"', ' class=""')
    assert "console-langswitch" in own and ("Открыть сайт" in own or "View site" in own)
    assert own.replace(" >", ">") == admins.replace(" >", ">")
