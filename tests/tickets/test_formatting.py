"""tickets.formatting: paragraphs, links and code blocks; whatever a user types stays text;
durations in hours and minutes."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import translation
from django.utils.safestring import SafeString

from tickets.formatting import duration_text, render_text

ALLOWED_TAGS = {"p", "br", "a", "pre", "code"}


class _Elements(HTMLParser):
    """Every element and attribute of a piece of HTML, the way a browser would tokenise it."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict]]:
    return _Elements(html).elements


def assert_harmless(html: str) -> None:
    """No script, no event handler, no dangerous URL and no tag outside the allow-list."""
    assert "<script" not in html.lower()
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name in {"href", "rel"}, html
            if name == "href":
                scheme = (value or "").strip().lower()
                assert scheme.startswith(("http://", "https://", "mailto:")), html


# XSS cheat-sheet style inputs: each must come out as inert text.
NASTY = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<IMG SRC=javascript:alert('XSS')>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    "<a href='data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='>x</a>",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "[click me](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</p><script>alert(1)</script><p>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "```html\n<img src=x onerror=alert(1)>\n```",
    "```\n<script>alert(1)</script>",
    'http://example.com/"onmouseover="alert(1)',
    "https://example.com/<script>alert(1)</script>",
    'www.example.com/" onclick="alert(1)',
    "<<script>alert(1);//<</script>",
    "<object data=javascript:alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<script>alert(1)</script>-->",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
]


@pytest.mark.parametrize("text", NASTY)
def test_nothing_a_user_types_becomes_script(text):
    assert_harmless(render_text(text))


@pytest.mark.parametrize("text", NASTY)
def test_nasty_input_is_still_shown_as_text(text):
    html = render_text(text)

    # Whatever was typed is visible: neutralised, not silently dropped.
    assert "alert" not in text or "alert" in html


def test_a_script_tag_is_shown_escaped():
    assert render_text("<script>alert(1)</script>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


def test_an_event_handler_attribute_stays_text():
    html = render_text('<img src="x" onerror="alert(1)">')

    assert elements(html) == [("p", {})]
    assert "&lt;img" in html


def test_a_javascript_url_is_never_a_link():
    html = render_text("see javascript:alert(1) and [x](javascript:alert(2))")

    assert [tag for tag, _ in elements(html)] == ["p"]


def test_a_web_address_becomes_a_nofollow_link():
    html = render_text("Docs: https://example.com/guide?a=1&b=2 here")

    [_, (tag, attrs)] = elements(html)
    assert tag == "a"
    assert attrs["href"] == "https://example.com/guide?a=1&b=2"
    assert "nofollow" in attrs["rel"].split()
    assert "noopener" in attrs["rel"].split()


def test_an_email_address_becomes_a_mailto_link():
    [_, (tag, attrs)] = elements(render_text("write to noc@example.com"))

    assert (tag, attrs["href"]) == ("a", "mailto:noc@example.com")


def test_a_code_fence_becomes_a_preformatted_block_with_html_escaped():
    text = "Log:\n```\n<b>ERROR</b> & more\n  indented\n```\nThat is all."

    html = render_text(text)

    assert html == (
        "<p>Log:</p>"
        "<pre><code>&lt;b&gt;ERROR&lt;/b&gt; &amp; more\n  indented</code></pre>"
        "<p>That is all.</p>"
    )


def test_a_code_fence_with_a_language_tag_drops_the_tag():
    html = render_text("```python\nprint('hi')\n```")

    assert html == "<pre><code>print('hi')</code></pre>"


def test_an_unclosed_code_fence_runs_to_the_end():
    html = render_text("Trace:\n```\nline 1\nline 2")

    assert html.endswith("<pre><code>line 1\nline 2</code></pre>")


def test_links_inside_code_blocks_stay_text():
    html = render_text("```\ncurl https://example.com/api\n```")

    assert "<a" not in html


def test_blank_lines_make_paragraphs_and_single_newlines_make_line_breaks():
    html = render_text("First line\nsecond line\n\nNew paragraph")

    assert html == "<p>First line<br>second line</p>\n\n<p>New paragraph</p>"


@pytest.mark.parametrize("text", ["", "   \n\n  ", None])
def test_empty_text_renders_as_nothing(text):
    assert render_text(text) == ""


def test_the_result_is_marked_safe_for_templates():
    assert isinstance(render_text("hello"), SafeString)


@pytest.mark.parametrize(
    ("delta", "english", "russian"),
    [
        (timedelta(hours=26, minutes=5), "26 h 05 min", "26 ч 05 мин"),
        (timedelta(minutes=30), "0 h 30 min", "0 ч 30 мин"),
        (timedelta(minutes=59, seconds=59), "0 h 59 min", "0 ч 59 мин"),
        (-timedelta(hours=1, minutes=2), "1 h 02 min", "1 ч 02 мин"),
        (timedelta(0), "0 h 00 min", "0 ч 00 мин"),
    ],
)
def test_a_duration_is_hours_and_whole_minutes_in_the_users_language(delta, english, russian):
    with translation.override("en"):
        assert duration_text(delta) == english
    with translation.override("ru"):
        assert duration_text(delta) == russian
