"""Issue 11's page benchmark: the 1M-request database measured over HTTP, with the floor.

    .venv/bin/python bench/http_bench.py                       # everything (~30 min at 1M)
    .venv/bin/python bench/http_bench.py --only queue,search --samples 30
    .venv/bin/python bench/http_bench.py --url http://127.0.0.1:8000 --json after.json

Seeds the database (bench/bigdb.py; --db, default proftiket_bench1m) unless a complete
seed is there, starts gunicorn (`-w 2 -k sync --no-control-socket`, bench.settings: DEBUG
off, CONN_MAX_AGE=60, plain HTTP on loopback, a fresh random SECRET_KEY, a scratch
MEDIA_ROOT), logs in through the login form and measures each page over HTTP: warm-up, then
--samples rounds, each round one request to every page in turn (so the floor and the pages see
the same machine), p50 and p95 of the time to the last byte, and the server's query count
from the X-Bench-Queries header. Then filing throughput: 4 connections posting the new-request
form for --filing-seconds, without and with a 200 KB PNG (--png screen: a 1366×768
screenshot of a text page, the default; --png noise: 200 KB of noise in ~260×260 pixels, the
file until 3 December 2026, which costs almost nothing to decode), every acknowledged filing
(302) checked in the database and on disk, and the filed requests deleted again.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bigdb  # noqa: E402
from bench.benchclient import (  # noqa: E402
    Browser,
    find_form,
    free_port,
    load_average,
    png_noise,
    png_screenshot,
    server_env,
    start_gunicorn,
    stop_process,
    tail,
    wait_until_serving,
)

FLOOR_PATH = "/bench/floor/"
FLOOR_AUTH_PATH = "/bench/floor-auth/"
QUEUE_PATH = "/admin/tickets/ticket/"
PORTAL_LIST_PATH = "/tickets/"
NEW_REQUEST_PATH = "/tickets/new/"
REFERENCE = re.compile(r"PT-(\d+)")
FILE_INPUT = re.compile(
    r'<input[^>]*type="file"[^>]*name="([^"]+)"|<input[^>]*name="([^"]+)"[^>]*type="file"'
)
TYPE_VALUE = re.compile(r'name="type"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="type"')
REPORTS = {  # key: (label, path)
    "overview": ("overview", "/reports/"),
    "sla": ("SLA", "/reports/sla/"),
    "times": ("times", "/reports/times/"),
    "engineers": ("engineers", "/reports/engineers/"),
}
SIMILAR_PATH = "/tickets/new/similar/"
FILING_SUBJECT = "Бенчмарк подачи"
FILING_GOAL = 150.0  # acknowledged filings a second, with 2 workers and 4 connections


@dataclass
class Page:
    key: str
    label: str
    user: str  # anonymous, agent, supervisor, manager
    path: str
    goal: str
    goal_ms: float | None = None
    goal_floor_ratio: float | None = None
    max_queries: int | None = None
    find_in_queue: int | None = None  # a request id: look its page up if the URL has moved
    seconds: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    sql_ms: list = field(default_factory=list)
    app_ms: list = field(default_factory=list)
    error: str | None = None


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def pages_to_measure(conversation_id: int) -> list[Page]:
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    search = f"{QUEUE_PATH}?q={quote(bigdb.SEARCH_WORD)}"
    conversation = f"{QUEUE_PATH}{conversation_id}/change/"
    pages = [
        Page("floor", "floor: bare view, one indexed 25-row SELECT", "anonymous", FLOOR_PATH, "—"),
        # What every logged-in request pays beyond the floor (session, user, middleware).
        Page("floor-auth", "the floor behind login, customer manager", "manager",
             FLOOR_AUTH_PATH, "—"),
        Page("floor-auth-agent", "the floor behind login, engineer", "agent",
             FLOOR_AUTH_PATH, "—"),
        Page("queue", "console queue, default view", "agent", QUEUE_PATH,
             goal="≤ 25 ms (≤ 10× floor), ≤ 10 queries", goal_ms=25, goal_floor_ratio=10,
             max_queries=10),
        Page("search", "console queue, word search «модем»", "agent", search,
             goal="≤ 50 ms", goal_ms=50),
        Page("request", "console request page, 40 messages", "agent", conversation,
             goal="≤ 20 ms", goal_ms=20, find_in_queue=conversation_id),
        Page("portal", "portal list, manager of 5,000 requests", "manager", PORTAL_LIST_PATH,
             goal="≤ 15 ms (≤ 5× floor)", goal_ms=15, goal_floor_ratio=5),
        # Issue 16: the suggestions under the subject of a new request (JSON, while typing).
        Page("portal-similar", "similar requests «не работает модем», manager", "manager",
             f"{SIMILAR_PATH}?subject={quote('не работает модем')}", goal="≤ 50 ms",
             goal_ms=50),
    ]  # fmt: skip
    for years, days in (("1y", 365), ("2y", 730)):
        period = f"from={today - timedelta(days=days - 1):%Y-%m-%d}&to={today:%Y-%m-%d}"
        for name, (label, path) in REPORTS.items():
            pages.append(
                Page(f"report-{name}-{years}", f"reports, {label}, {years[0]} year period",
                     "supervisor", f"{path}?{period}", goal="≤ 1 s", goal_ms=1000)
            )  # fmt: skip
    return pages


def selected(key: str, only: list[str] | None) -> bool:
    return not only or any(word in key for word in only)


def log_in(base_url: str, email: str) -> Browser:
    browser = Browser(base_url)
    browser.login(email, bigdb.PASSWORD)
    return browser


def prepare(page: Page, browser: Browser, warmup: int) -> None:
    """Follow the page's redirects once (a page may move), check it answers 200, warm it up."""
    response = browser.follow(page.path)
    if response.status == 404 and page.find_in_queue:
        response = _found_through_the_queue(browser, page.find_in_queue) or response
    if response.status != 200:
        page.error = f"HTTP {response.status}"
        return
    page.path = response.path
    for _ in range(warmup):
        browser.get(page.path)


def _found_through_the_queue(browser: Browser, pk: int):
    """The console page of request pk wherever it lives now: the link the queue search gives."""
    results = browser.follow(f"{QUEUE_PATH}?q=PT-{pk}")
    for href in re.findall(rf'href="([^"#?]*/{pk}/[^"#?]*)"', results.text):
        response = browser.follow(href)
        if response.status == 200 and f"PT-{pk}" in response.text:
            return response
    return None


def measure_round(pages: list[Page], browsers: dict) -> None:
    for page in pages:
        if page.error:
            continue
        response = browsers[page.user].get(page.path)
        if response.status != 200:
            page.error = f"HTTP {response.status}"
            continue
        page.seconds.append(response.seconds)
        page.queries.append(response.queries)
        page.sql_ms.append(response.sql_ms)
        page.app_ms.append(response.app_ms)


# --- Filing --------------------------------------------------------------------------------


@dataclass
class Filing:
    key: str
    label: str
    with_file: bool
    connections: int
    seconds: float
    acknowledged: list = field(default_factory=list)  # (ticket id, subject)
    acknowledged_warmup: list = field(default_factory=list)
    latencies: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    sql_ms: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    elapsed: float = 0.0
    lost: int | None = None
    stored_unacknowledged: int | None = None
    files_checked_on_disk: bool = False

    @property
    def rate(self) -> float:
        return len(self.acknowledged) / self.elapsed if self.elapsed else 0.0


def new_request_form(browser: Browser):
    page = browser.follow(NEW_REQUEST_PATH)
    for candidate in re.finditer(r"<form\b.*?</form>", page.text, re.S):
        if 'name="subject"' in candidate.group(0):
            found = find_form(candidate.group(0), page.path, ".")
            if found:
                form, action = found
                first_type = next((a or b for a, b in TYPE_VALUE.findall(form.html)), None)
                return form, action, first_type
    raise RuntimeError(f"no new-request form at {page.path} ({page.status})")


def run_filing(
    filing: Filing,
    browsers: list[Browser],
    *,
    run_tag: str,
    screenshot: bytes,
    warmup_seconds: float = 2.0,
) -> None:
    """`connections` threads post the form until the time is up; a warm-up is discarded."""
    forms = [new_request_form(b) for b in browsers]
    lock = threading.Lock()
    state = {"measuring": False}

    def worker(index: int, deadline: float) -> None:
        browser = browsers[index]
        form, action, first_type = forms[index]
        file_field = next((a or b for a, b in FILE_INPUT.findall(form.html)), "files")
        n = 0
        while time.monotonic() < deadline:
            n += 1
            subject = f"{filing_prefix(run_tag, filing)} {index}-{n}"
            values = {
                "subject": subject,
                "description": "Не проходят вызовы через SIP-транк, перезагрузка не помогла.",
                "technical_details": "trunk=sip-42; код ошибки 503",
            }
            if first_type:
                values["type"] = first_type
            files = (
                [(file_field, "screenshot.png", "image/png", screenshot)]
                if filing.with_file
                else None
            )
            try:
                response = browser.submit(form, action, values, files)
            except OSError as error:
                with lock:
                    filing.errors[type(error).__name__] = (
                        filing.errors.get(type(error).__name__, 0) + 1
                    )
                time.sleep(0.05)
                continue
            # A browser follows the redirect to the request's page, which shows "registered as
            # PT-…" and so clears it; the bench does not (the filing is measured, not the page)
            # and forgets the message instead. Kept, the cookie would carry every message of
            # the run, decoded and encoded again by each filing, and past ~300 of them spill
            # into the session: a write per filing that no customer's filing makes.
            browser.cookies.pop("messages", None)
            match = REFERENCE.search(response.location or "") if response.status == 302 else None
            with lock:
                if not state["measuring"]:
                    if match:
                        filing.acknowledged_warmup.append((int(match.group(1)), subject))
                    continue
                if match:
                    filing.acknowledged.append((int(match.group(1)), subject))
                    filing.latencies.append(response.seconds)
                    filing.queries.append(response.queries)
                    filing.sql_ms.append(response.sql_ms)
                else:
                    key = f"HTTP {response.status}"
                    filing.errors[key] = filing.errors.get(key, 0) + 1

    for phase, seconds in (("warm-up", warmup_seconds), ("measured", filing.seconds)):
        state["measuring"] = phase == "measured"
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=worker, args=(i, deadline)) for i in range(filing.connections)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if phase == "measured":
            filing.elapsed = time.perf_counter() - started


def filing_prefix(run_tag: str, filing: Filing) -> str:
    return f"{FILING_SUBJECT} {run_tag} {filing.key}"


def verify_filings(
    filing: Filing,
    *,
    screenshot: bytes,
    media_root: Path | None,
    first_new_ticket: int,
    run_tag: str,
) -> None:
    """Every acknowledged filing is in the database with its subject (and its file); and how
    many were stored without the client getting the acknowledgement."""
    from django.apps import apps

    ticket_model = apps.get_model("tickets", "Ticket")
    attachment_model = apps.get_model("tickets", "Attachment")
    stored_all = ticket_model.objects.filter(
        pk__gte=first_new_ticket, subject__startswith=f"{filing_prefix(run_tag, filing)} "
    ).count()
    filing.stored_unacknowledged = (
        stored_all - len(filing.acknowledged) - len(filing.acknowledged_warmup)
    )
    sent = dict(filing.acknowledged)
    stored = dict(ticket_model.objects.filter(pk__in=sent).values_list("pk", "subject"))
    ok = {pk for pk, subject in sent.items() if stored.get(pk) == subject}
    if filing.with_file:
        digest = sha256(screenshot).hexdigest()
        rows = attachment_model.objects.filter(ticket__in=ok, sha256=digest, size=len(screenshot))
        with_file = set()
        for ticket_id, name in rows.values_list("ticket_id", "file"):
            if media_root is not None:
                path = media_root / name
                if not path.is_file() or sha256(path.read_bytes()).hexdigest() != digest:
                    continue
            with_file.add(ticket_id)
        ok &= with_file
        filing.files_checked_on_disk = media_root is not None
    filing.lost = len(sent) - len(ok)


def cleanup(*, first_new_ticket: int, run_tag: str, first_new_task: int | None) -> int:
    """Delete the requests this run filed (cascading to their history, files' rows, …) and the
    notification tasks they queued, so that repeated runs measure the same database."""
    from django.apps import apps
    from django.db import connection

    ticket_model = apps.get_model("tickets", "Ticket")
    filed = ticket_model.objects.filter(
        pk__gte=first_new_ticket, subject__startswith=f"{FILING_SUBJECT} {run_tag} "
    )
    count = filed.count()
    filed.delete()
    if first_new_task is not None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_q_ormq WHERE id >= %s", [first_new_task])
    return count


def next_ids() -> tuple[int, int | None]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM tickets_ticket")
        ticket = cursor.fetchone()[0]
        cursor.execute("SELECT to_regclass('django_q_ormq')")
        if cursor.fetchone()[0] is None:
            return ticket, None
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM django_q_ormq")
        return ticket, cursor.fetchone()[0]


# --- Report --------------------------------------------------------------------------------


def page_result(page: Page, floor_p50: float | None) -> dict:
    if page.error or not page.seconds:
        return {
            "key": page.key,
            "label": page.label,
            "goal": page.goal,
            "error": page.error or "not measured",
        }
    p50 = statistics.median(page.seconds) * 1000
    queries = sorted({q for q in page.queries if q is not None})
    ratio = p50 / floor_p50 if floor_p50 else None
    met = None
    if page.goal_ms is not None:
        queries_ok = page.max_queries is None or (queries and max(queries) <= page.max_queries)
        if p50 <= page.goal_ms and queries_ok:
            met = "met"
        elif page.goal_floor_ratio and ratio is not None and ratio <= page.goal_floor_ratio:
            met = "met (ratio)" if queries_ok else "not met (queries)"
        else:
            met = "not met"
    return {
        "key": page.key,
        "label": page.label,
        "goal": page.goal,
        "samples": len(page.seconds),
        "p50_ms": round(p50, 2),
        "p95_ms": round(percentile(page.seconds, 0.95) * 1000, 2),
        "mean_ms": round(statistics.fmean(page.seconds) * 1000, 2),
        "queries": queries,
        "sql_p50_ms": _median_or_none(page.sql_ms),
        "app_p50_ms": _median_or_none(page.app_ms),
        "floor_ratio": round(ratio, 2) if ratio is not None else None,
        "met": met,
    }


def _median_or_none(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def filing_result(filing: Filing, floor_p50: float | None) -> dict:
    p50 = statistics.median(filing.latencies) * 1000 if filing.latencies else None
    met = filing.rate >= FILING_GOAL and filing.lost == 0 and not filing.errors
    return {
        "key": filing.key,
        "label": filing.label,
        "goal": f"≥ {FILING_GOAL:.0f}/s, 0 lost",
        "connections": filing.connections,
        "seconds": round(filing.elapsed, 1),
        "rate_per_s": round(filing.rate, 1),
        "acknowledged": len(filing.acknowledged),
        "lost": filing.lost,
        "errors": filing.errors,
        "stored_unacknowledged": filing.stored_unacknowledged,
        "files_checked_on_disk": filing.files_checked_on_disk,
        "p50_ms": round(p50, 2) if p50 else None,
        "p95_ms": round(percentile(filing.latencies, 0.95) * 1000, 2) if p50 else None,
        "queries": sorted({q for q in filing.queries if q is not None}),
        "sql_p50_ms": _median_or_none(filing.sql_ms),
        "floor_ratio": round(p50 / floor_p50, 2) if p50 and floor_p50 else None,
        "met": "met" if met else "not met",
    }


def print_table(results: list[dict], meta: dict) -> None:
    def queries_text(values):
        if not values:
            return "—"
        return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"

    def number(value, digits=1):
        return "—" if value is None else f"{value:,.{digits}f}"

    header = (
        "page",
        "goal",
        "p50 ms",
        "p95 ms",
        "queries",
        "SQL ms",
        "× floor",
        "throughput",
        "met",
    )
    rows = []
    for r in results:
        if "error" in r:
            rows.append((r["label"], r["goal"], r["error"], "", "", "", "", "", "not measured"))
            continue
        throughput = ""
        if "rate_per_s" in r:
            lost = "?" if r["lost"] is None else r["lost"]
            errors = sum(r["errors"].values())
            throughput = f"{r['rate_per_s']:.1f}/s, {r['acknowledged']} acked, {lost} lost"
            throughput += f", {errors} errors" if errors else ""
            if r["stored_unacknowledged"]:
                throughput += f", {r['stored_unacknowledged']} stored unacknowledged"
        rows.append(
            (
                r["label"],
                r["goal"],
                number(r["p50_ms"]),
                number(r["p95_ms"]),
                queries_text(r["queries"]),
                number(r.get("sql_p50_ms")),
                number(r["floor_ratio"]),
                throughput,
                r["met"] or "",
            )
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    align = ["<", "<", ">", ">", ">", ">", ">", "<", "<"]

    def line(row):
        return " | ".join(f"{v!s:{a}{w}}" for v, a, w in zip(row, align, widths, strict=True))

    print()
    print(meta["title"])
    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    print(
        f"load average (1 min): {meta['load_before']:.2f} before, {meta['load_after']:.2f} after"
        f" · {meta['cpus']} CPUs · {meta['samples']} samples per page after {meta['warmup']}"
        f" warm-up requests · p50/p95 = client time to the last byte"
    )


# --- Main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        help="comma-separated page keys or parts of them (floor, queue, search, request, "
        "portal, report, 1y, 2y, times, filing); the floor is always measured",
    )
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    seed = parser.add_mutually_exclusive_group()
    seed.add_argument("--reuse", action="store_true", help="use the seeded database (default)")
    seed.add_argument("--reseed", action="store_true", help="drop the database and seed it anew")
    parser.add_argument(
        "--db", help="database URL (default: BENCH_DATABASE_URL or proftiket_bench1m)"
    )
    parser.add_argument("--tickets", type=int, default=1_000_000, help="requests to seed")
    parser.add_argument("--url", help="measure this running server (bench.settings) instead")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--filing-seconds", type=float, default=20)
    parser.add_argument("--filing-connections", type=int, default=4)
    parser.add_argument(
        "--png",
        choices=("screen", "noise"),
        default="screen",
        help="the 200 KB PNG of filing-png: a screenshot (default) or noise (few pixels)",
    )
    parser.add_argument("--keep-filed", action="store_true", help="do not delete filed requests")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    only = [w.strip() for w in args.only.split(",")] if args.only else None

    info = bigdb.ensure(db=args.db, reseed=args.reseed, tickets=args.tickets)
    from django.db import connection

    server = media_root = None
    log = Path(tempfile.gettempdir()) / f"http_bench_gunicorn_{os.getpid()}.log"
    base_url = args.url.rstrip("/") if args.url else None
    try:
        if base_url is None:
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            media_root = Path(tempfile.mkdtemp(prefix="http_bench_media_"))
            env = server_env(
                database_url=os.environ["DATABASE_URL"],
                secret_key=secrets.token_urlsafe(50),
                BENCH_CONN_MAX_AGE=60,
                MEDIA_ROOT=media_root,
                # The daily upload quota is counted as in production but never refuses: the
                # same four customers file ~200 screenshots a run, several runs a day.
                ATTACHMENT_USER_DAILY_FILES=10**9,
                ATTACHMENT_USER_DAILY_BYTES=10**15,
            )
            server = start_gunicorn(port=port, workers=args.workers, env=env, log=log)
            wait_until_serving(base_url, FLOOR_PATH)
            print(f"gunicorn -w {args.workers} -k sync on {base_url} (log {log})")
        results = run(args, only, base_url, info, media_root)
    except Exception:
        if server is not None:
            print(tail(log), file=sys.stderr)
        raise
    finally:
        if server is not None:
            stop_process(server)
        if media_root is not None:
            shutil.rmtree(media_root, ignore_errors=True)
        connection.close()
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
        print(f"results written to {args.json}")


def run(args, only, base_url: str, info: dict, media_root: Path | None) -> dict:
    from django.db import connection

    pages = [
        p
        for p in pages_to_measure(info["conversation_ticket"])
        if p.key == "floor" or selected(p.key, only)
    ]
    users = {p.user for p in pages}
    emails = {
        "agent": bigdb.AGENT_EMAIL.format(i=0),
        "supervisor": bigdb.SUPERVISOR,
        "manager": bigdb.MANAGER,
    }
    browsers = {"anonymous": Browser(base_url)}
    browsers.update({u: log_in(base_url, emails[u]) for u in users if u != "anonymous"})
    for page in pages:
        prepare(page, browsers[page.user], args.warmup)
    load_before = load_average()
    started = time.perf_counter()
    for round_number in range(args.samples):
        measure_round(pages, browsers)
        print(f"  round {round_number + 1}/{args.samples}", end="\r", flush=True, file=sys.stderr)
    print(f"pages measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    filings = [
        Filing(
            "filing",
            "filing a request (logged-in POST)",
            False,
            args.filing_connections,
            args.filing_seconds,
        ),
        Filing(
            "filing-png",
            f"filing a request with a 200 KB PNG ({args.png})",
            True,
            args.filing_connections,
            args.filing_seconds,
        ),
    ]
    filings = [f for f in filings if selected(f.key, only)]
    run_tag = secrets.token_hex(3)
    screenshot = png_screenshot() if args.png == "screen" else png_noise()
    if filings:
        customers = [
            log_in(base_url, bigdb.CUSTOMER_EMAIL.format(i=i + 1))
            for i in range(args.filing_connections)
        ]
        first_ticket, first_task = next_ids()
        try:
            for filing in filings:
                run_filing(filing, customers, run_tag=run_tag, screenshot=screenshot)
                verify_filings(
                    filing,
                    screenshot=screenshot,
                    media_root=media_root,
                    first_new_ticket=first_ticket,
                    run_tag=run_tag,
                )
                print(
                    f"{filing.key}: {filing.rate:.1f}/s, {len(filing.acknowledged)} "
                    f"acknowledged, {filing.lost} lost",
                    file=sys.stderr,
                )
        finally:
            if not args.keep_filed:
                deleted = cleanup(
                    first_new_ticket=first_ticket, run_tag=run_tag, first_new_task=first_task
                )
                print(f"deleted the {deleted} requests filed by this run", file=sys.stderr)
    load_after = load_average()

    floor = next(p for p in pages if p.key == "floor")
    floor_p50 = statistics.median(floor.seconds) * 1000 if floor.seconds else None
    results = [page_result(p, floor_p50) for p in pages]
    results += [filing_result(f, floor_p50) for f in filings]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    meta = {
        "title": (
            f"{tickets:,} requests ({info['orgs']} organisations), PostgreSQL {pg_version}, "
            f"{base_url}, seeded {info['seeded_at']}, code: {bigdb.code_version()}"
        ),
        "load_before": load_before,
        "load_after": load_after,
        "cpus": os.cpu_count(),
        "samples": args.samples,
        "warmup": args.warmup,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "workers": args.workers if args.url is None else None,
        "url": base_url,
        "seed": info,
    }
    print_table(results, meta)
    return {"meta": meta, "results": results, "pages": [asdict(p) for p in pages]}


if __name__ == "__main__":
    main()
