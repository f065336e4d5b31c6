"""How text and durations are shown to people.

Message text gets light formatting: paragraphs, links and code blocks, nothing else. The
text is escaped first and the generated HTML is then passed through nh3 (an allow-list
sanitiser), so what a user typed can never become markup or script.

Durations (SLA time left, targets, report figures) are hours and minutes in the user's
language, through `duration_text` and nothing else.
"""

import re
import threading
from collections import OrderedDict
from datetime import timedelta

import nh3
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

FENCE = re.compile(r"^```[^\n]*\n(.*?)(?:^```[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
ALLOWED_TAGS = {"p", "br", "a", "pre", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}


def render_text(text: str) -> SafeString:
    """Plain text as safe HTML: ``` fences become code blocks, URLs become links."""
    parts = []
    position = 0
    for match in FENCE.finditer(text or ""):
        parts.append(_prose(text[position : match.start()]))
        parts.append(f"<pre><code>{escape(match.group(1).rstrip())}</code></pre>")
        position = match.end()
    parts.append(_prose((text or "")[position:]))
    html = "".join(parts)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308  (sanitised by nh3 just above)


class RenderCache:
    """HTML by key, rendered once per process, at most `size` kept (least recently used goes).

    Bounded, so that nothing grows with the data; in the process, so that a page costs no
    round trip and no query (the database cache would cost one per message on a cold cache).
    The key must name everything the HTML depends on.
    """

    def __init__(self, size: int = 20_000):
        self.size = size
        self._html: OrderedDict[tuple, SafeString] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, render) -> SafeString:
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
                return html
        html = render()
        with self._lock:
            self._html[key] = html
            if len(self._html) > self.size:
                self._html.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._html.clear()


class RenderedMessages(RenderCache):
    """Message HTML by (message id, edit time): rendered once per process.

    Messages are never edited today, so their creation time is their edit time; the key also
    carries a hash of the text, so that a text changed behind our back (or an id reused by a
    test database) is never shown stale.
    """

    def html(self, key: tuple, text: str) -> SafeString:
        return self.get(key, lambda: render_text(text))


rendered_messages = RenderedMessages()


def message_html(comment) -> SafeString:
    """A message's text as safe HTML, rendered once per process (see RenderedMessages)."""
    key = ("comment", comment.pk, comment.created_at, hash(comment.body))
    return rendered_messages.html(key, comment.body)


def description_html(ticket) -> SafeString:
    """A request's description as safe HTML; it never changes once filed."""
    key = ("ticket", ticket.pk, ticket.created_at, hash(ticket.description))
    return rendered_messages.html(key, ticket.description)


def _prose(text: str) -> str:
    if not text.strip():
        return ""
    # urlize escapes everything that is not a link; linebreaks makes paragraphs.
    return linebreaks(urlize(text.strip(), nofollow=True, autoescape=True), autoescape=False)


def duration_text(delta: timedelta) -> str:
    """A duration in hours and whole minutes, hours beyond a day included: "26 h 05 min".

    The sign is dropped: the caller says "overdue by" or "left".
    """
    hours, minutes = divmod(int(abs(delta).total_seconds() // 60), 60)
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
