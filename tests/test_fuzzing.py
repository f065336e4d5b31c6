"""No input gives a 500: every page of the URLconf, every form and query parameter on it,
filled with hostile values.

Nothing here is a hand list of pages or fields that can go stale:
- the pages are every route of the URLconf (the admin's included), reversed with sample
  values for their parameters; a route with a parameter this module has no value for fails
  the test, so a new kind of URL cannot be skipped silently;
- the forms and query parameters are what those pages actually render: every <form> (its
  action, method, encoding, fields and their current values) and every query parameter of
  the links and GET forms on the page (the console's list filters, the reports' filters...).

Each form is sent once per kind of hostile value in all its fields, and once more for each
field alone; each page's query parameters likewise. A response of 500 or more fails.
"""

import contextlib
import itertools
import sys
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import (
    NoReverseMatch,
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import tokens
from accounts.models import Role
from tests.factories import (
    AttachmentFactory,
    CommentFactory,
    StaffUserFactory,
    TicketFactory,
    UserFactory,
)
from tickets import lifecycle, satisfaction
from webhooks.models import Webhook, WebhookDelivery

# One of each kind of value that has broken web applications. Bytes are sent as they are
# (invalid UTF-8); text is UTF-8 encoded.
HOSTILE = {
    "empty": "",
    "blank": "   ",
    "long": "Ж" * 3000 + "x" * 7000,
    "nul": "a\x00b",
    "control": "\x01\x1b[31m\x7f",
    "invalid-utf8": b"\xff\xfe\xc3\x28",
    "huge-number": "99999999999999999999999999",
    "negative": "-1",
    "float": "1e309",
    "nan": "NaN",
    "foreign-digits": "١٢٣",
    "impossible-date": "2026-02-30",
    "far-date": "9999-12-31",
    "zero-date": "0000-00-00",
    "odd-date": "31.12.2026 25:61",
    "markup": "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>",
    "sql": "' OR 1=1 --",
    "path": "../../../../etc/passwd",
    "unicode": "😀\u202e𝔘\ufeff\u200b",
    "url": "//evil.example/",
}
# Query parameters that Django, the admin or our pages read, whether or not a page links them.
USUAL_QUERY_PARAMETERS = ["page", "p", "o", "q", "e", "format", "table", "next", "follow_up",
                          "_changelist_filters", "_to_field", "_popup", "all"]  # fmt: skip
ODD_CHARSETS = ["utf-16", "latin-1", "no-such-charset"]
ODD_FILES = [
    ("../../evil.exe", b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00"),
    ("\u202egnp.exe", b"<html><script>alert(1)</script></html>"),
    ("x" * 300 + ".png", b"\x89PNG\r\n\x1a\n"),
    ("empty.txt", b""),
]


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list = field(default_factory=list)  # [(name, value, type)]

    def key(self):
        names = tuple(sorted({name for name, _value, _type in self.fields}))
        return (_route(self.action), self.method, names)


class PageParser(HTMLParser):
    """The forms and the query parameters of the links of one HTML page."""

    def __init__(self, url):
        super().__init__()
        self.url = url
        self.forms: list[Form] = []
        self.query_names: set[str] = set()
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "option" and self._select is not None:
            self._option(a)
        elif tag == "a" and "?" in (a.get("href") or ""):
            self.query_names |= {k for k, _ in parse_qsl(urlsplit(a["href"]).query, True)}
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = Form(action=a.get("action") or self.url, method=method,
                              multipart="multipart" in (a.get("enctype") or ""))  # fmt: skip
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                value = None  # known name, sent only when fuzzed
            else:
                value = a.get("value", "on" if kind == "checkbox" else "")
            self._form.fields.append((a["name"], value, kind))
        elif tag == "button" and a.get("value"):
            self._form.fields.append((a["name"], a["value"], "button"))
        elif tag == "select":
            self._select = [a["name"], None, "select"]
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = [a["name"], "", "textarea"]
            self._form.fields.append(self._textarea)

    def _option(self, a):
        if self._select[1] is None or "selected" in a:
            self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


# --- Data and users --------------------------------------------------------------------------


@pytest.fixture
def world(organization, other_organization):
    """Requests in every state, with messages and files, and the users who see them."""
    manager = UserFactory(email="boss@alpha.test", organization=organization,
                          role=Role.CUSTOMER_MANAGER)  # fmt: skip
    colleague = UserFactory(email="colleague@alpha.test", organization=organization)
    invited = UserFactory(email="invited@alpha.test", organization=organization)
    invited.set_unusable_password()
    invited.save()
    agent = StaffUserFactory(email="agent@support.test")
    administrator = StaffUserFactory(email="admin@support.test", role=Role.ADMINISTRATOR)
    tickets = {}
    for state in ("new", "in_progress", "waiting", "resolved", "closed"):
        ticket = TicketFactory(requester=manager, subject=f"Fuzz {state}")
        if state != "new":
            lifecycle.take(ticket, actor=agent)
        if state == "waiting":
            lifecycle.request_info(ticket, actor=agent, question="Какой номер?")
        if state in ("resolved", "closed"):
            lifecycle.resolve(ticket, actor=agent, solution="Готово.")
        if state == "closed":
            lifecycle.confirm(ticket, actor=manager)
        tickets[state] = ticket
    ticket = tickets["in_progress"]
    comment = CommentFactory(ticket=ticket, author=manager)
    attachment = AttachmentFactory(ticket=ticket, comment=comment)
    TicketFactory(requester=UserFactory(organization=other_organization))
    api_token, _raw = tokens.create_token(user=manager, name="Fuzz", scope="write",
                                          created_by=manager)  # fmt: skip
    webhook = Webhook.objects.create(organization=organization, url="https://example.com/h",
                                     events=["ticket.created"])  # fmt: skip
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event=ticket.events.first(), event_type="ticket.created",
        retry_until=timezone.now(), state=WebhookDelivery.State.FAILED,
    )  # fmt: skip
    return {
        "api_token": api_token,
        "webhook": webhook,
        "delivery": delivery,
        "manager": manager,
        "colleague": colleague,
        "invited": invited,
        "administrator": administrator,
        "tickets": tickets,
        "comment": comment,
        "attachment": attachment,
    }


def _parameter_values(world):
    """Sample values for every URL parameter name of the URLconf."""
    ticket = world["tickets"]["in_progress"]
    invited = world["invited"]
    models = {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}
    return {
        "reference": [t.reference for t in world["tickets"].values()],
        "attachment_id": [str(world["attachment"].pk)],
        "filename": [world["attachment"].original_name],
        "user_id": [str(world["colleague"].pk)],
        "uidb64": [urlsafe_base64_encode(force_bytes(invited.pk))],
        "token": [default_token_generator.make_token(invited), satisfaction.link_token(ticket)],
        "score": ["1", "5"],  # of a rating link (tickets.satisfaction)
        "comment_id": [str(world["comment"].pk)],
        "action": [a.value for a in lifecycle.Action] + ["reply", "note"],
        "prop": ["priority", "type", "blocks_work", "assignee", "executors"],  # the workspace's
        "token_id": [str(world["api_token"].pk)],
        "webhook_id": [str(world["webhook"].pk)],
        "delivery_id": [str(world["delivery"].pk)],
        "reply_id": ["1"],  # a reply template (none exists: the endpoint must say 404)
        "guide": ["customer", "agent", "admin"],  # the help pages (proftiket.guides)
        "step": ["mark", "unmark", "attach", "update"],  # the major-incident box's
        "child_id": [str(ticket.pk)],
        "app_label": sorted({m._meta.app_label for m in admin.site._registry}),
        "content_type_id": ["1"],
        "object_id": lambda name: _admin_object_ids(models, name, ticket),
    }


def _admin_object_ids(models, url_name, ticket):
    model = next((m for prefix, m in models.items() if url_name.startswith(prefix + "_")), None)
    if model is None:
        return [str(ticket.pk)]
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return [str(pk)] if pk is not None else []


def _routes(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", sorted(pattern.pattern.regex.groupindex)


def discover_urls(world) -> list[str]:
    values = _parameter_values(world)
    urls = []
    for name, parameters in _routes():
        unknown = [p for p in parameters if p not in values]
        assert not unknown, f"{name}: add sample values for {unknown} to _parameter_values"
        choices = []
        for parameter in parameters:
            sample = values[parameter]
            choices.append(sample(name) if callable(sample) else sample)
        for combination in itertools.product(*choices):
            kwargs = dict(zip(parameters, combination, strict=True))
            with contextlib.suppress(NoReverseMatch):  # a value that does not fit the converter
                urls.append(reverse(name, kwargs=kwargs))
    return sorted(set(urls))


# --- Sending ---------------------------------------------------------------------------------


def _encode(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _urlencoded(pairs) -> bytes:
    return b"&".join(quote(_encode(k), safe="").encode() + b"=" + quote(_encode(v), safe="")
                     .encode() for k, v in pairs)  # fmt: skip


BOUNDARY = "----fuzz-boundary"


def _multipart(pairs, files) -> bytes:
    out = []
    for name, value in pairs:
        out.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   .encode() + _encode(value) + b"\r\n")  # fmt: skip
    for name, (filename, content) in files:
        out.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
                   f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                   .encode() + content + b"\r\n")  # fmt: skip
    return b"".join(out) + f"--{BOUNDARY}--\r\n".encode()


KINDS = list(HOSTILE.items())


@dataclass
class Fuzzer:
    """Sends hostile variants of queries and forms and records every answer of 500 or more.

    By default each query and form gets a few kinds of value, the kinds rotating from one to
    the next so that all of them are used across the site, and every field alone once; with
    --fuzz-all, every kind everywhere (minutes instead of seconds).
    """

    client: Client
    login: object
    thorough: bool = False
    failures: list = field(default_factory=list)
    sent: int = 0
    _turn: int = 0
    _charsets_tried: bool = False
    _exception: str = ""

    def __post_init__(self):
        got_request_exception.connect(self._record_exception)

    def close(self):
        got_request_exception.disconnect(self._record_exception)

    def _record_exception(self, sender, request=None, **kwargs):
        self._exception = "".join(traceback.format_exception(*sys.exc_info())[-3:])

    def kinds(self, count):
        """The next `count` kinds of value in the rotation (all of them when thorough)."""
        if self.thorough:
            return KINDS
        picked = [KINDS[(self._turn + i) % len(KINDS)] for i in range(count)]
        self._turn += count
        return picked

    def send(self, what, method, url, body=b"", content_type=None, query=b""):
        self._exception = ""
        self.sent += 1
        extra = {"QUERY_STRING": query.decode("latin-1")} if query else {}
        if method == "get":
            response = self.client.generic("GET", url, **extra)
        else:
            response = self.client.generic("POST", url, body, content_type=content_type, **extra)
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {method.upper()} {url} ({what})\n"
                                 f"{self._exception}")  # fmt: skip
        if response.streaming:
            # A file download: read it to the end, which closes it the way the test client
            # expects (calling close() directly would end the test's database connection).
            b"".join(response.streaming_content)
        return response

    def fuzz_query(self, url, page_names):
        names = sorted(page_names | set(USUAL_QUERY_PARAMETERS))
        for kind, value in self.kinds(3):
            self.send(f"query {kind}", "get", url, query=_urlencoded((n, value) for n in names))
        for name in sorted(page_names):
            for kind, value in self.kinds(1):
                self.send(f"query {name}={kind}", "get", url, query=_urlencoded([(name, value)]))
        doubled = [(n, v) for n in names for v in ("1", "2")]
        self.send("query duplicated", "get", url, query=_urlencoded(doubled))

    def fuzz_form(self, form):
        self.login()
        file_names = [n for n, _v, t in form.fields if t == "file"]
        defaults = [(n, v) for n, v, _t in form.fields if v is not None and n not in file_names]
        plain = [n for n in dict.fromkeys(n for n, _v, _t in form.fields) if n not in file_names]

        def post(what, pairs, *, files=(), charset=None):
            if form.method == "get":
                return self.send(what, "get", form.action, query=_urlencoded(pairs))
            if form.multipart:
                content_type = f"multipart/form-data; boundary={BOUNDARY}"
                body = _multipart(pairs, files)
            else:
                content_type = "application/x-www-form-urlencoded"
                body = _urlencoded(pairs)
            if charset:
                content_type += f"; charset={charset}"
            return self.send(what, "post", form.action, body, content_type)

        # Every field hostile at once: the same kind, then a different kind in each field.
        for kind, value in self.kinds(2):
            post(f"all fields {kind}", [(n, value) for n in plain])
        offset = self._turn
        post("mixed", [(n, KINDS[(offset + i) % len(KINDS)][1]) for i, n in enumerate(plain)])
        # One field hostile, the others as the page filled them, so that the action itself
        # runs. The admin's generic model pages get this only with --fuzz-all: their fields
        # are the models' own, and they are many.
        for name in plain if self.thorough or not _generic_admin_page(form.action) else []:
            for kind, value in self.kinds(1):
                pairs = [(n, v) for n, v in defaults if n != name]
                post(f"{name}={kind}", [*pairs, (name, value)])
        post("duplicated fields", defaults + [(n, "x") for n in plain])
        if form.method == "post" and (self.thorough or not self._charsets_tried):
            self._charsets_tried = True
            for charset in ODD_CHARSETS:
                post(f"charset {charset}", defaults, charset=charset)
        if file_names and form.multipart:
            odd_files = ODD_FILES if self.thorough else [ODD_FILES[self._turn % len(ODD_FILES)]]
            for filename, content in odd_files:
                post(f"file {filename[:20]!r}", defaults,
                     files=[(file_names[0], (filename, content))])  # fmt: skip


def _generic_admin_page(path):
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return False
    return match.namespace == "admin" and match.url_name.endswith(("_add", "_change", "_delete"))


def _route(path):
    try:
        return resolve(urlsplit(path).path).route
    except Resolver404:
        return path


def _crawl(fuzzer, urls):
    """GET every page; return its forms and the query parameters it uses."""
    pages = {}
    for url in urls:
        response = fuzzer.send("page", "get", url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = PageParser(url)
        parser.feed(response.content.decode())
        for form in parser.forms:
            if not form.action.startswith("/"):
                form.action = url if not form.action or form.action.startswith("?") else form.action
            form.fields = [tuple(f) for f in form.fields]
        get_names = {n for f in parser.forms if f.method == "get" for n, _v, _t in f.fields}
        pages[url] = (parser.forms, parser.query_names | get_names)
    return pages


def _fuzz_as(client, login, urls, *, thorough):
    fuzzer = Fuzzer(client, login, thorough=thorough)
    login()
    try:
        pages = _crawl(fuzzer, urls)
        forms, routes = {}, set()
        for url, (page_forms, names) in pages.items():
            if _route(url) not in routes:  # one request page of a kind is enough, not five
                routes.add(_route(url))
                fuzzer.fuzz_query(url, names)
            for form in page_forms:
                if "logout" not in form.action:
                    forms.setdefault(form.key(), form)
        for form in forms.values():
            fuzzer.fuzz_form(form)
    finally:
        fuzzer.close()
    return fuzzer, len(pages), len(forms)


@pytest.mark.fuzz
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "manager", "administrator"])
def test_no_input_to_any_page_or_form_gives_a_server_error(world, who, request):
    client = Client(raise_request_exception=False)
    user = world.get(who)

    def login():
        if user is not None:
            client.force_login(user)

    urls = discover_urls(world)
    thorough = request.config.getoption("--fuzz-all")
    fuzzer, pages, forms = _fuzz_as(client, login, urls, thorough=thorough)
    print(f"{who}: {len(urls)} URLs, {pages} pages, {forms} forms, {fuzzer.sent} requests")
    assert pages > 0 and fuzzer.sent > 0
    # One line per distinct error, with the first request that caused it.
    distinct = {}
    for failure in fuzzer.failures:
        lines = failure.splitlines()
        distinct.setdefault(lines[-1][:200], lines[0][:200])
    assert not fuzzer.failures, "\n".join(f"{e}  <- {r}" for e, r in distinct.items())
