"""The body of an incoming e-mail: quotes and markup removed, the customer's words kept."""

import pytest

from tests.mail_intake import samples
from tickets.mail_intake import cleaning, parsing


@pytest.mark.parametrize(
    ("text", "own"),
    [
        (samples.OUTLOOK_RU, samples.OUTLOOK_RU_OWN),
        (samples.GMAIL_RU, samples.GMAIL_RU_OWN),
        (samples.THUNDERBIRD_EN, samples.THUNDERBIRD_EN_OWN),
        (samples.THUNDERBIRD_RU, samples.THUNDERBIRD_RU_OWN),
        ("Ответ.\r\n\r\n> старое\r\n> ещё\r\n", "Ответ."),
        ("Hello\n-----Original Message-----\nFrom: x\nSent: y\n\nold", "Hello"),
        ("Работает.\n\nС уважением,\nАнна Иванова\nAlpha Telecom\n", "Работает."),
        ("Проверили:\n1. узел\n2. линия\n\nСпасибо,\nАнна", "Проверили:\n1. узел\n2. линия"),
        ("Спасибо, работает.\n\nАнна", "Спасибо, работает.\n\nАнна"),
    ],
)
def test_quoted_history_is_stripped(text, own):
    assert cleaning.reply_text(text) == own


def test_a_message_that_is_all_quote_is_kept_whole():
    assert cleaning.reply_text("> только цитата") == "> только цитата"


def test_html_becomes_text_without_markup_scripts_or_the_quoted_part():
    html = (
        "<html><head><style>p{color:red}</style><title>x</title></head><body>"
        "<p>Связи нет &laquo;с утра&raquo;</p><div>строка 2<br>строка 3</div>"
        "<script>alert(1)</script><img src=x onerror=alert(2)>"
        '<div class="gmail_quote">пишет:<blockquote>старое</blockquote></div></body></html>'
    )
    assert cleaning.html_to_text(html) == "Связи нет «с утра»\n\nстрока 2\nстрока 3"


def test_a_broken_message_never_raises_and_an_unknown_charset_falls_back_to_1251():
    raw = (
        b"From: =?x-unknown?B?AAAA?= <a@b.test>\r\nSubject: \xcf\xf0\xe8\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n\xcf\xf0\xe8\xe2\xe5\xf2\r\n"
    )
    parsed = parsing.parse(raw)
    assert parsed.sender == "a@b.test"
    assert parsed.text == "Привет"
    assert parsed.message_id.endswith("@no-message-id>")
    assert parsed.noise == ""


def test_koi8r_and_1251_headers_are_decoded():
    raw = samples.mail(
        sender="a@b.test", subject="Сбой [PT-5]", text="x", charset="koi8-r", name="Анна"
    )
    parsed = parsing.parse(raw)
    assert parsed.subject == "Сбой [PT-5]" and parsed.sender_name == "Анна"
