"""A reply's own words: quoted history and signatures stripped, HTML turned into text.

mail-parser-reply knows English mail clients; the Russian ones (Outlook's "От:/Отправлено:"
block, Gmail's "пн, 30 нояб. 2026 г. в 10:00, Анна <…>:", Thunderbird's "… пишет:",
"С уважением") are registered here as a language of its own (pinned version: the package
keeps its languages in a module-level dict). Samples of each are in the tests.
"""

import logging
import re
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES
from mailparser_reply.constants import QUOTED_MATCH_INCLUDE as QUOTED

logger = logging.getLogger(__name__)

MAIL_LANGUAGES.setdefault(
    "ru",
    {
        "wrote_header": r"^("
        + QUOTED
        + r"(?:[^\n]*\d{4}\s*г\.\s*в\s*\d{1,2}:\d{2}[^\n]*|\d{1,2}\.\d{1,2}\.\d{4},\s*"
        r"\d{1,2}:\d{2},[^\n]*|[^\n]*(?:пишет|написал[аи]?)):)$",
        "from_header": r"((?:(?:^|\n|\n"
        + QUOTED
        + r")[* ]*(?:От|Отправлено|Кому|Тема|Дата|Копия):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
        "disclaimers": [],
        "signatures": ["С уважением", "Спасибо,"],
        "sent_from": "Отправлено с iPhone|Отправлено из мобильной Почты",
    },
)
LANGUAGES = ["ru", "en"]
MAX_TEXT = 20_000


def normalise(text: str) -> str:
    """Unix line ends, no trailing spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def reply_text(text: str) -> str:
    """The newest part of a message: quoted history and the signature removed.

    If nothing would be left (a message that is all quote, or a parser failure) the whole
    text is kept: losing a customer's words is worse than keeping a quote.
    """
    text = normalise(text)
    try:
        replies = EmailReplyParser(languages=LANGUAGES).read(text=text).replies
        # body: without the signature; content: with it (if the signature was all there is).
        stripped = (replies[0].body.strip() or replies[0].content) if replies else ""
    except Exception:  # a third-party parser on untrusted text: never lose the message
        logger.warning("reply parsing failed; the whole text is kept", exc_info=True)
        stripped = ""
    return _without_trailing_quote(normalise(stripped or text))[:MAX_TEXT]


def _without_trailing_quote(text: str) -> str:
    """A quote at the end with no "… wrote:" line above it (some clients write none)."""
    lines = text.split("\n")
    end = len(lines)
    while end and (lines[end - 1].startswith(">") or not lines[end - 1].strip()):
        end -= 1
    return "\n".join(lines[:end]).strip() if end else text


_BLOCKS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "pre", "hr", "section", "article", "header", "footer",
}  # fmt: skip
_SKIPPED = {"script", "style", "head", "title", "template", "blockquote", "noscript"}
_QUOTE_CLASSES = {"gmail_quote", "moz-cite-prefix", "yahoo_quoted"}


class _TextExtractor(HTMLParser):
    """Text of an HTML e-mail: no markup, scripts or styles, quoted history left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "hr", "img", "meta", "link", "input"):  # void: no end tag
            if not self.skip_stack and tag in ("br", "hr"):
                self.parts.append("\n")
            return
        classes = set((dict(attrs).get("class") or "").split())
        if self.skip_stack or tag in _SKIPPED or classes & _QUOTE_CLASSES:
            self.skip_stack.append(tag)
            return
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if self.skip_stack:
            if self.skip_stack[-1] == tag:
                self.skip_stack.pop()
            return
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip_stack:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """Plain text of an HTML-only e-mail (sanitised: no markup survives)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # malformed markup from anywhere: keep what was read
        logger.warning("HTML of an e-mail could not be read to the end", exc_info=True)
    lines = "".join(extractor.parts).split("\n")
    return normalise("\n".join(line.strip() for line in lines))
