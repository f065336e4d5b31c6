"""The user guides (docs/<language>/*.md) served as help pages: /help/<guide>/.

The guides are Markdown files in the repository (and in the image: .dockerignore keeps docs/),
so a running instance always shows the guide of the version it runs. Each is rendered once per
process and file version (Python-Markdown), then sanitised with nh3 (an allow-list): whatever a
guide contains, no script reaches the page. A link to another guide becomes that guide's help
page; a link to a repository file (README, docker-compose.yml) becomes plain text, since the
instance does not serve those files.

Who may read which guide is decided here, for the pages and for the footer's links alike: the
customer guide everyone (also before logging in), the agent guide support staff, the
administrator's guide administrators. Anyone else gets a 404, as for an unknown guide.
"""

import functools
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from accounts.models import Role

DOCS_DIR = Path(settings.BASE_DIR) / "docs"
FALLBACK_LANGUAGE = "ru"  # every guide exists in Russian; other languages are optional


def _everyone(user) -> bool:
    return True


def _staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


def _administrator(user) -> bool:
    return user.is_authenticated and user.is_active and user.role == Role.ADMINISTRATOR


@dataclass(frozen=True)
class Guide:
    slug: str
    filename: str
    title: str
    may_read: object  # (user) -> bool


GUIDES = {
    guide.slug: guide
    for guide in (
        Guide("customer", "customer.md", _("Customer guide"), _everyone),
        Guide("agent", "agent.md", _("Agent guide"), _staff),
        Guide("admin", "admin.md", _("Administrator guide"), _administrator),
    )
}
BY_FILENAME = {guide.filename: guide for guide in GUIDES.values()}

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "p", "br", "hr", "a", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "div", "span", "nav",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "table": {"class"},
    "div": {"class"},
    "span": {"class"},
}


def readable_guides(user) -> list[Guide]:
    """The guides this user may read, in the footer's order."""
    return [guide for guide in GUIDES.values() if guide.may_read(user)]


def guide_for(user, slug: str) -> Guide:
    """The guide if it exists and the user may read it; 404 otherwise (which, is not said)."""
    guide = GUIDES.get(slug)
    if guide is None or not guide.may_read(user):
        raise Http404
    return guide


def source_of(guide: Guide, language: str) -> tuple[Path, str]:
    """The guide's file in the user's language, else in Russian; and that language."""
    for candidate in (language, FALLBACK_LANGUAGE):
        path = DOCS_DIR / candidate / guide.filename
        if path.is_file():
            return path, candidate
    raise Http404


class _Links(Treeprocessor):
    """Links between guides become help pages; links to other repository files plain text;
    tables get the portal's table style."""

    def run(self, root):
        for element in root.iter():
            if element.tag == "table":
                element.set("class", "table")
            if element.tag != "a":
                continue
            href = element.get("href", "")
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # an address elsewhere, or an anchor on this page
            target = BY_FILENAME.get(posixpath.basename(parts.path))
            same_folder = posixpath.dirname(posixpath.normpath(parts.path)) in ("", ".")
            if target is not None and same_folder:
                url = reverse("help", args=[target.slug])
                element.set("href", f"{url}#{parts.fragment}" if parts.fragment else url)
            else:
                element.tag = "span"
                element.attrib.clear()
                element.set("class", "help-file")


class _LinksExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_Links(md), "proftiket_links", 5)


def markdown_renderer() -> markdown.Markdown:
    """The one configuration of Python-Markdown for the guides (the tests use it too)."""
    return markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "toc", _LinksExtension()],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-3"}},
        output_format="html",
    )


@dataclass(frozen=True)
class Rendered:
    title: str
    toc: SafeString
    body: SafeString


def _clean(html: str) -> SafeString:
    return mark_safe(  # noqa: S308 (nh3's allow-list is what makes it safe)
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
        )
    )


@functools.lru_cache(maxsize=32)
def _render_file(path: Path, modified_ns: int) -> Rendered:
    text = path.read_text(encoding="utf-8")
    renderer = markdown_renderer()
    body = renderer.convert(text)
    # The page's title is the guide's own heading (the first "# " line).
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    return Rendered(title=title, toc=_clean(renderer.toc), body=_clean(body))


def render_guide(path: Path) -> Rendered:
    """The guide as safe HTML, rendered once per process and version of the file."""
    return _render_file(path, path.stat().st_mtime_ns)


def guide_page(request, guide: str):
    """A guide as a page of the portal; 404 for an unknown guide or one the user may not read."""
    chosen = guide_for(request.user, guide)
    path, language = source_of(chosen, translation.get_language() or FALLBACK_LANGUAGE)
    rendered = render_guide(path)
    context = {
        "guide": chosen,
        "rendered": rendered,
        "other_language": language != (translation.get_language() or FALLBACK_LANGUAGE),
        "guides": readable_guides(request.user),
    }
    return render(request, "help/guide.html", context)
