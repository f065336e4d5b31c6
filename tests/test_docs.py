"""The user guides in docs/ cannot silently drift from the code, and the help pages serve them.

- every relative link (and #anchor) in docs/ and in the README's documentation section leads
  to a file and a heading that exist;
- the help pages: the customer guide for everyone, the agent guide for support staff, the
  administrator's guide for administrators; anyone else and any unknown name get a 404;
- the administrator's guide documents exactly the variables of .env.example, and .env.example
  lists every variable that the settings, the image's entrypoint and docker-compose read.
"""

import fnmatch
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown
import pytest
from django.conf import settings
from django.urls import reverse

from proftiket import guides

ROOT = Path(settings.BASE_DIR)
DOCS = ROOT / "docs"
DOC_FILES = sorted(DOCS.rglob("*.md"))
LINKED_FILES = [*DOC_FILES, ROOT / "README.md"]
# Read from the environment only in development and tests; deliberately not in .env.example.
NOT_FOR_OPERATORS = {
    "Q_SYNC": "runs tasks inline: the test settings",
    "PLAIN_STATIC_STORAGE": "static files without collectstatic: browser tests, CI",
    "STATIC_ROOT": "set by the image, where collectstatic put the files at build time",
    "PYTHON": "the entrypoint's interpreter, for running it from a checkout",
}


def _links(path: Path) -> list[str]:
    """The href of every link in a Markdown file, as Python-Markdown parses it."""
    html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=["tables"])
    return re.findall(r'<a href="([^"]*)"', html)


def _anchors(path: Path) -> set[str]:
    """The ids of a Markdown file's headings, as the help pages give them."""
    renderer = guides.markdown_renderer()
    html = renderer.convert(path.read_text(encoding="utf-8"))
    return {unquote(anchor) for anchor in re.findall(r'<h\d id="([^"]*)"', html)}


def test_there_is_a_guide_for_each_audience():
    assert {p.relative_to(DOCS).as_posix() for p in DOC_FILES} >= {
        "README.md",
        "ru/customer.md",
        "ru/agent.md",
        "ru/admin.md",
    }


@pytest.mark.parametrize("path", LINKED_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(path):
    broken = []
    for href in _links(path):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue  # an address elsewhere: not ours to check offline
        target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        if not target.exists():
            broken.append(f"{href}: no such file")
        elif (
            parts.fragment
            and target.suffix == ".md"
            and unquote(parts.fragment) not in _anchors(target)
        ):
            broken.append(f"{href}: no such heading")
    assert broken == [], f"{path.name}: {broken}"


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_code_block_is_nested_in_a_list(path):
    """Python-Markdown (the help pages) does not see a fenced block inside a list item: it would
    come out as one line of inline code."""
    indented = re.findall(r"^[ \t]+```", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert indented == []


def _structure(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return {
        "heading levels": [len(h) for h in re.findall(r"^(#+) ", text, re.MULTILINE)],
        "variables": sorted(set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", text))),
        "files linked": sorted({urlsplit(href).path for href in _links(path)} - {""}),
        "table rows": len(re.findall(r"^\|", text, re.MULTILINE)),
    }


@pytest.mark.parametrize("guide", sorted(g.filename for g in guides.GUIDES.values()))
def test_the_english_guide_follows_the_russian_one(guide):
    """The translation is optional, but one that exists must keep up: the same sections,
    variables, links and table rows as the Russian guide (which the code is checked against)."""
    english = DOCS / "en" / guide
    if not english.exists():
        pytest.skip(f"no English {guide}")
    assert _structure(english) == _structure(DOCS / "ru" / guide)


def test_the_readme_links_every_guide():
    readme = ROOT / "README.md"
    linked = {(readme.parent / href).resolve() for href in _links(readme)}
    assert {DOCS / "ru" / g.filename for g in guides.GUIDES.values()} <= linked


def test_the_customer_guide_links_no_staff_guide():
    """Customers can read it; a link to a guide they may not open would be a dead end."""
    staff_guides = {g.filename for g in guides.GUIDES.values() if g.slug != "customer"}
    links = {Path(urlsplit(href).path).name for href in _links(DOCS / "ru" / "customer.md")}
    assert links & staff_guides == set()


def _dockerignore_excludes(path: str, pattern: str) -> bool:
    """Docker's matching: relative to the context root, `*` within one segment, `**` across
    segments, and an excluded folder takes its content with it."""
    wanted = pattern.strip("/").split("/")
    parts = path.split("/")

    def match(p, s):
        if not p:
            return True  # the pattern matched a folder of the path (or the path itself)
        if p[0] == "**":
            return any(match(p[1:], s[i:]) for i in range(len(s) + 1))
        return bool(s) and fnmatch.fnmatchcase(s[0], p[0]) and match(p[1:], s[1:])

    return match(wanted, parts)


def test_the_image_keeps_the_guides():
    """The help pages read docs/ in the container: .dockerignore must not exclude it (`*.md`
    there means the files at the root only)."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert _dockerignore_excludes("README.md", "*.md")  # the matcher works
    assert _dockerignore_excludes("tickets/__pycache__/x.pyc", "**/__pycache__")
    for doc in DOC_FILES:
        path = doc.relative_to(ROOT).as_posix()
        assert not [p for p in patterns if _dockerignore_excludes(path, p)], path


# --- Environment variables: admin.md's configuration tables == .env.example ⊇ what is read ----


CONFIGURATION_HEADING = {"ru": "Конфигурация", "en": "Configuration"}


def _documented_variables(language: str) -> set[str]:
    """The first-column names of the tables in admin.md's configuration section."""
    text = (DOCS / language / "admin.md").read_text(encoding="utf-8")
    heading = CONFIGURATION_HEADING[language]
    section = re.search(rf"^## {heading}\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert section, f"{language}/admin.md has no “## {heading}” section"
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section.group(1), re.MULTILINE))


def _example_variables() -> set[str]:
    """Every variable .env.example sets or shows commented out (`# NAME=...`)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


def _variables_read() -> set[str]:
    """What the settings, the entrypoint and docker-compose read from the environment."""
    settings_source = (ROOT / "proftiket" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    for path in (ROOT / "scripts" / "entrypoint", ROOT / "docker-compose.yml"):
        read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)[:?\-}]", path.read_text()))
    return read


@pytest.mark.parametrize("language", sorted(CONFIGURATION_HEADING))
def test_the_admin_guide_documents_every_variable_of_the_example(language):
    documented, example = _documented_variables(language), _example_variables()
    assert example - documented == set(), "in .env.example but not in admin.md"
    assert documented - example == set(), "in admin.md but not in .env.example"


def test_the_example_lists_every_variable_that_is_read():
    read = _variables_read()
    assert len(read) > 40  # the parsing still finds them
    missing = read - _example_variables() - set(NOT_FOR_OPERATORS)
    assert missing == set(), "read from the environment but not in .env.example"


def test_every_variable_named_in_the_guides_exists():
    """A variable mentioned anywhere in a guide (`NAME_WITH_UNDERSCORES`) is a real one: a typo
    or a removed setting in the prose fails here."""
    known = _example_variables() | set(NOT_FOR_OPERATORS) | {"DJANGO_SETTINGS_MODULE"}
    named = set()
    for path in DOC_FILES:
        named |= set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", path.read_text(encoding="utf-8")))
    assert named - known == set()


def test_the_development_only_variables_are_still_read():
    """An entry of NOT_FOR_OPERATORS that nothing reads any more is a stale exception."""
    assert set(NOT_FOR_OPERATORS) - _variables_read() == set()


# --- The help pages ------------------------------------------------------------------------


def _page(client, slug):
    return client.get(reverse("help", args=[slug]))


@pytest.mark.django_db
def test_anyone_reads_the_customer_guide_even_before_logging_in(client):
    response = _page(client, "customer")
    assert response.status_code == 200
    assert "Руководство клиента" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["agent", "admin"])
def test_a_visitor_who_is_not_logged_in_gets_no_staff_guide(client, slug):
    assert _page(client, slug).status_code == 404


@pytest.mark.parametrize("slug", ["agent", "admin"])
def test_a_customer_gets_no_staff_guide(client, customer_manager, slug):
    client.force_login(customer_manager)
    assert _page(client, slug).status_code == 404


def test_an_agent_reads_the_agent_guide_but_not_the_administrators(client, agent):
    client.force_login(agent)
    page = _page(client, "agent")
    assert page.status_code == 200
    assert "Руководство инженера поддержки" in page.content.decode()
    assert _page(client, "admin").status_code == 404


def test_an_administrator_reads_every_guide(client, administrator):
    client.force_login(administrator)
    for slug in guides.GUIDES:
        assert _page(client, slug).status_code == 200, slug


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug", ["unknown", "Customer", "customer.md", "..", "%2e%2e", "README", "ru", "x" * 300]
)
def test_an_unknown_guide_is_not_found(client, slug):
    assert client.get(f"/help/{slug}/").status_code == 404


def _footer(client, url) -> str:
    return client.get(url).content.decode().split('<footer class="footer">')[1]


def test_the_footer_links_the_guides_each_user_may_read(client, customer, agent):
    client.force_login(customer)
    footer = _footer(client, reverse("tickets:list"))
    assert reverse("help", args=["customer"]) in footer
    assert reverse("help", args=["agent"]) not in footer
    client.force_login(agent)
    footer = _footer(client, reverse("portal"))
    assert reverse("help", args=["customer"]) in footer
    assert reverse("help", args=["agent"]) in footer
    assert reverse("help", args=["admin"]) not in footer


@pytest.mark.django_db
def test_the_login_page_links_the_customer_guide(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("help", args=["customer"]) in page


def test_the_console_links_the_agent_guide(client, agent):
    client.force_login(agent)
    page = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("help", args=["agent"])}"' in page


def test_links_between_guides_lead_to_help_pages_and_repository_files_are_plain_text(
    client, administrator
):
    client.force_login(administrator)
    page = _page(client, "admin").content.decode()
    assert f'href="{reverse("help", args=["customer"])}"' in page
    assert f'href="{reverse("help", args=["agent"])}"' in page
    assert ".env.example</code></span>" in page  # a repository file: not served, not linked
    assert 'href="../../' not in page


def test_a_guide_page_is_sanitised(tmp_path, settings):
    """Whatever a guide contains, no markup beyond the allow-list reaches the page."""
    guide = tmp_path / "guide.md"
    guide.write_text(
        "# Заголовок\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n"
        '<img src=x onerror="alert(1)">\n\n<p style="color:red" onclick="x()">текст</p>\n',
        encoding="utf-8",
    )
    rendered = guides.render_guide(guide)
    html = str(rendered.body)
    assert rendered.title == "Заголовок"
    for forbidden in ("<script", "javascript:", "onerror", "onclick", "style=", "<img"):
        assert forbidden not in html
    assert "текст" in html


@pytest.mark.django_db
def test_an_english_visitor_reads_the_english_guide(client):
    response = client.get(reverse("help", args=["customer"]), headers={"accept-language": "en"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in page and "Customer guide</h1>" in page
    assert "available in Russian only" not in page


@pytest.mark.django_db
def test_a_guide_without_a_translation_is_shown_in_russian_with_a_note(
    client, tmp_path, monkeypatch
):
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "customer.md").write_text("# Руководство клиента\n\nТекст.\n", "utf-8")
    monkeypatch.setattr(guides, "DOCS_DIR", tmp_path)
    response = client.get(reverse("help", args=["customer"]), headers={"accept-language": "en"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Руководство клиента" in page
    assert "This guide is available in Russian only." in page


@pytest.mark.django_db
def test_the_guide_is_rendered_once_per_process(client, django_assert_max_num_queries):
    guides._render_file.cache_clear()
    _page(client, "customer")
    _page(client, "customer")
    info = guides._render_file.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    with django_assert_max_num_queries(2):  # a session, nothing for the guide itself
        assert _page(client, "customer").status_code == 200
