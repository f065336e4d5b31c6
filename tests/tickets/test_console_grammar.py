"""Russian grammar on the rendered console pages: counts agree with their nouns ("1 обращение",
"3 обращения", "5 обращений", "21 обращение"), and the admin's messages do not put a masculine
"был изменен" next to "обращение" (neuter) or "организация" (feminine)."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import TicketFactory
from tickets import lifecycle
from tickets.models import CannedReply

# Russian's three forms for whole numbers: one (1, 21, 101), few (2–4, 22–24), many (the rest).
FORMS = {
    "обращени": ("обращение", "обращения", "обращений"),
    "шаблон": ("шаблон", "шаблона", "шаблонов"),
    "организаци": ("организация", "организации", "организаций"),
    "пользовател": ("пользователь", "пользователя", "пользователей"),
    "д": ("дня", "дней", "дней"),  # "дольше N дня/дней": genitive after "дольше"
}
COUNTED = re.compile(
    r"(?<![\w.,:-])(\d+)\s+(обращени[а-я]*|шаблон[а-я]*|организаци[а-я]*|пользовател[а-я]*)"
)
LONGER_THAN = re.compile(r"дольше (\d+) (дн[а-я]+|дня)")
MASCULINE_PAST = re.compile(r"был(?:о|а|и)? (?:успешно )?(?:изменен|добавлен|удален)\b")


def form_for(number: int) -> int:
    if number % 10 == 1 and number % 100 != 11:
        return 0
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return 1
    return 2


def grammar_errors(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", text).replace("\xa0", " ")
    errors = []
    for number, noun in COUNTED.findall(text):
        stem = next(s for s in FORMS if noun.startswith(s))
        expected = FORMS[stem][form_for(int(number))]
        if not noun.startswith(expected.split()[0]) or noun != expected:
            errors.append(f"{number} {noun} (expected {number} {expected})")
    for number, noun in LONGER_THAN.findall(text):
        # After "дольше" the genitive: "дольше 1 дня", "дольше 3 дней", "дольше 21 дня".
        expected = "дня" if form_for(int(number)) == 0 else "дней"
        if noun != expected:
            errors.append(f"дольше {number} {noun} (expected {expected})")
    errors += [f"masculine past tense: {m}" for m in MASCULINE_PAST.findall(text)]
    if "Паджинация" in text:
        errors.append("Паджинация")
    return errors


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("1 обращения", 1), ("5 обращение", 1), ("21 обращений", 1), ("3 обращения", 0),
        ("11 обращений", 0), ("22 обращения", 0), ("1 обращение", 0), ("101 обращение", 0),
        ("Обращение «PT-1» был успешно изменен.", 1), ("дольше 3 дня", 1), ("дольше 1 дня", 0),
        ("Паджинация обращения", 1), ("PT-12 обращение", 0), ("12:05 обращение", 0),
    ],
)  # fmt: skip
def test_the_grammar_check_itself(text, errors):
    assert len(grammar_errors(text)) == errors, grammar_errors(text)


def page_text(response) -> str:
    notes = " ".join(str(m) for m in get_messages(response.wsgi_request))
    return response.content.decode() + " " + notes


@pytest.mark.django_db
class TestConsolePages:
    @pytest.mark.parametrize("count", [1, 2, 5, 11, 21, 22])
    def test_the_queue_and_its_bulk_actions(self, client, agent, customer, count):
        tickets = TicketFactory.create_batch(count, requester=customer)
        client.force_login(agent)
        queue = reverse("admin:tickets_ticket_changelist")
        assert grammar_errors(client.get(queue).content.decode()) == []
        data = {"action": "take_selected", "_selected_action": [t.pk for t in tickets]}
        response = client.post(queue, data, follow=True)
        text = page_text(response)
        assert str(count) in text
        assert grammar_errors(text) == []

    def test_the_home_the_workspace_and_the_history(self, client, supervisor, agent, customer):
        ticket = TicketFactory(requester=customer)
        lifecycle.take(ticket, actor=agent)
        lifecycle.add_note(ticket, actor=agent, body="Заметка")
        client.force_login(supervisor)
        pages = [
            reverse("admin:index"),
            reverse("admin:tickets_ticket_workspace", args=[ticket.pk]),
            reverse("admin:tickets_ticket_history", args=[ticket.pk]),
        ]
        for url in pages:
            text = client.get(url).content.decode()
            assert grammar_errors(text) == [], url
            assert "Внутренняя заметка внутреннее" not in text

    def test_the_admins_own_messages_about_other_models(self, client, supervisor, organization):
        client.force_login(supervisor)
        url = reverse("admin:accounts_organization_change", args=[organization.pk])
        form = {
            "name": "Альфа Телеком",
            "short_name": "",
            "tax_number": "",
            "contact_email": "",
            "contact_phone": "",
            "is_active": "on",
            "users-TOTAL_FORMS": "0",
            "users-INITIAL_FORMS": "0",
        }
        response = client.post(url, form, follow=True)
        text = page_text(response)
        assert "Запись «Альфа Телеком» (организация) изменена." in re.sub(r"<[^>]+>", "", text)
        assert grammar_errors(text) == []

    @pytest.mark.parametrize("count", [1, 3, 5])
    def test_other_lists_count_in_words(self, client, supervisor, count):
        for i in range(count):
            CannedReply.objects.create(title=f"Шаблон {i}", body_ru="…")
        client.force_login(supervisor)
        text = client.get(reverse("admin:tickets_cannedreply_changelist")).content.decode()
        assert grammar_errors(text) == []
        assert re.search(rf"{count} шаблон", text)
