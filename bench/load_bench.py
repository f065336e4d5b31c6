"""Issue 11's capacity benchmark: 50 simulated users against everything on this machine.

    .venv/bin/python bench/load_bench.py                      # 40 customers + 10 agents, 5 min
    .venv/bin/python bench/load_bench.py --duration 60        # a quick run
    .venv/bin/python bench/load_bench.py --ramp               # more users until p95 passes 1 s
    .venv/bin/python bench/load_bench.py --db postgres://root@127.0.0.1:5432/pt_small \\
        --tickets 100000

Starts, on this machine, gunicorn (4 sync workers, bench.settings = the production settings with
DEBUG off on plain HTTP; CONN_MAX_AGE as the application sets it unless --conn-max-age), the
django-q2 worker (`manage.py qcluster`), a local SMTP server (aiosmtpd, bench/smtp_sink.py) that
the notifications go to, and uses the PostgreSQL server already running. Then a bounded Python
client (one thread per simulated user, loopback only) logs every user in through the login
form and plays, with 1–3 s of thinking after every page:
- customers: read their list, open a request, file a request (form, post, the new request's
  page), reply on a request they filed in this run;
- agents: the queue, a request page (from the queue or one filed in this run), take or reply
  on a request filed in this run.
After a warm-up, it measures --duration seconds: requests a second, p50/p95/p99 per action and
overall, errors, and the CPU used by each process group from /proc/<pid>/stat deltas. What the
run filed (requests with their messages, history, files; queued and finished tasks) is deleted
afterwards, so the seeded database stays as it was.
"""

import argparse
import json
import os
import random
import re
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bigdb  # noqa: E402
from bench.benchclient import (  # noqa: E402
    Browser,
    all_pids,
    find_form,
    free_port,
    load_average,
    machine_cpu,
    proc_cmdline,
    proc_stat,
    server_env,
    start_gunicorn,
    start_process,
    stop_process,
    tail,
    wait_until_serving,
)

QUEUE_PATH = "/admin/tickets/ticket/"
PORTAL_LIST_PATH = "/tickets/"
NEW_REQUEST_PATH = "/tickets/new/"
PORTAL_REFERENCE = re.compile(r'href="/tickets/(PT-\d+)/"')
CONSOLE_LINK = re.compile(r'href="/admin/tickets/ticket/(\d+)/change/')
REFERENCE = re.compile(r"PT-(\d+)")
TYPE_VALUE = re.compile(r'name="type"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="type"')
P95_GOAL_MS = 300
SAMPLE_SECONDS = 0.05  # how often PostgreSQL's backends are sampled
RAMP_LIMIT_MS = 1000
CUSTOMER_TEXTS = [
    "Проблема сохраняется, модем перезагружали дважды.",
    "Добавляю журнал с оборудования за сегодня.",
    "Связь пропала снова в 10:40, прошу ускорить.",
    "Спасибо, проверим и ответим.",
]
AGENT_TEXTS = [
    "Проверили на нашей стороне, ошибок не видим. Пришлите, пожалуйста, трассировку.",
    "Передали вопрос инженеру второй линии, ответим в течение часа.",
    "Перезапустили сессию на BRAS, проверьте, пожалуйста.",
]


class Run:
    """What the simulated users share: the stop flag, the samples, the requests they filed."""

    def __init__(self, *, tag: str, think: tuple[float, float]):
        self.tag = tag
        self.think = think
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.samples = []  # (end time, action, seconds, ok, status)
        self.filed = []  # ticket ids filed in this run, in order
        self.users = []

    def record(self, action: str, seconds: float, ok: bool, status) -> None:
        with self.lock:
            self.samples.append((time.monotonic(), action, seconds, ok, status))

    def add_filed(self, pk: int) -> None:
        with self.lock:
            self.filed.append(pk)

    def recent_filed(self, rng: random.Random, last: int = 100) -> int | None:
        with self.lock:
            return rng.choice(self.filed[-last:]) if self.filed else None


class User(threading.Thread):
    """One simulated person: a logged-in browser that acts, then thinks for 1–3 s."""

    kind = "user"

    def __init__(self, run: Run, browser: Browser, seed: int):
        super().__init__(daemon=True)
        self.run_state, self.browser = run, browser
        self.rng = random.Random(seed)

    def think(self) -> None:
        self.run_state.stop.wait(self.rng.uniform(*self.run_state.think))

    def visit(self, action: str, path: str):
        """GET a page, following redirects (each request recorded under the action)."""
        for _ in range(4):
            target = urlsplit(path)  # a browser sends no #fragment
            path = target.path + (f"?{target.query}" if target.query else "")
            response = self._timed(action, lambda p=path: self.browser.get(p), expect=(200, 302))
            if response is None or response.status not in (301, 302, 303):
                return response
            path = urljoin(path, response.location)
        return None

    def send(self, action: str, form, url: str, values: dict, *, follow: str, files=None):
        """POST a form; a 302 is the acknowledgement, and the browser follows it."""
        response = self._timed(
            action, lambda: self.browser.submit(form, url, values, files), expect=(302,)
        )
        if response is not None and response.status == 302:
            self.visit(follow, urljoin(url, response.location))
        return response

    def _timed(self, action: str, call, *, expect):
        started = time.perf_counter()
        try:
            response = call()
        except OSError as error:
            self.run_state.record(
                action, time.perf_counter() - started, False, type(error).__name__
            )
            return None
        self.run_state.record(action, response.seconds, response.status in expect, response.status)
        return response

    def run(self) -> None:
        while not self.run_state.stop.is_set():
            try:
                self.step()
            except Exception as error:
                self.run_state.record(f"{self.kind}: client error", 0.0, False, repr(error)[:60])
                self.think()


class Customer(User):
    kind = "customer"

    def __init__(self, *args):
        super().__init__(*args)
        self.seen: list[str] = []
        self.mine: list[str] = []

    def step(self) -> None:
        r = self.rng.random()
        if r < 0.35:
            self.read_list()
        elif r < 0.65:
            self.read_request()
        elif r < 0.80:
            self.file()
        else:
            self.reply()

    def read_list(self) -> None:
        response = self.visit("customer: list", PORTAL_LIST_PATH)
        if response is not None and response.status == 200:
            self.seen = PORTAL_REFERENCE.findall(response.text)
        self.think()

    def read_request(self, reference: str | None = None):
        candidates = self.mine[-5:] + self.seen
        if reference is None and not candidates:
            return self.read_list()
        reference = reference or self.rng.choice(candidates)
        response = self.visit("customer: request page", f"/tickets/{reference}/")
        self.think()
        return response

    def file(self) -> None:
        page = self.visit("customer: new-request form", NEW_REQUEST_PATH)
        self.think()
        if page is None or page.status != 200:
            return
        found = next(
            (f for f in _forms_with(page, 'name="subject"')), None
        )  # the new-request form, not the header's
        if found is None:
            raise RuntimeError("no new-request form")
        form, url = found
        values = {
            "subject": f"Нагрузка {self.run_state.tag}: нет связи, узел {self.rng.randrange(999)}",
            "description": "С утра не работает канал связи, перезагрузка модема не помогла.",
            "technical_details": "узел 42, порт ge-0/0/1",
        }
        first_type = next((a or b for a, b in TYPE_VALUE.findall(form.html)), None)
        if first_type:
            values["type"] = first_type
        response = self.send(
            "customer: file a request", form, url, values, follow="customer: request page"
        )
        match = REFERENCE.search(response.location or "") if response is not None else None
        if match:
            self.mine.append(f"PT-{match.group(1)}")
            self.run_state.add_filed(int(match.group(1)))
        self.think()

    def reply(self) -> None:
        if not self.mine:
            return self.file()
        page = self.read_request(self.rng.choice(self.mine[-5:]))
        if page is None or page.status != 200:
            return None
        found = find_form(page.text, page.path, r"/reply/$")
        if found is None:  # closed or withdrawn meanwhile: nothing to answer
            return None
        form, url = found
        self.send(
            "customer: reply",
            form,
            url,
            {"body": self.rng.choice(CUSTOMER_TEXTS)},
            follow="customer: request page",
        )
        self.think()
        return None


class Agent(User):
    kind = "agent"

    def __init__(self, *args):
        super().__init__(*args)
        self.seen: list[str] = []

    def step(self) -> None:
        r = self.rng.random()
        if r < 0.40:
            self.queue()
        elif r < 0.75:
            self.request_page()
        elif r < 0.88:
            self.act(r"/act/reply/$", "agent: reply", {"body": self.rng.choice(AGENT_TEXTS)})
        else:
            self.act(r"/act/take/$", "agent: take", {})

    def queue(self) -> None:
        response = self.visit("agent: queue", QUEUE_PATH)
        if response is not None and response.status == 200:
            self.seen = CONSOLE_LINK.findall(response.text)
        self.think()

    def request_page(self, pk=None):
        if pk is None:
            filed = self.run_state.recent_filed(self.rng)
            choices = self.seen + ([str(filed)] if filed else [])
            if not choices:
                return self.queue()
            pk = self.rng.choice(choices)
        response = self.visit("agent: request page", f"{QUEUE_PATH}{pk}/change/")
        self.think()
        return response

    def act(self, pattern: str, action: str, values: dict) -> None:
        """Take or reply, only on requests filed in this run (the seeded data stays as it is)."""
        pk = self.run_state.recent_filed(self.rng)
        if pk is None:
            return self.queue()
        page = self.request_page(pk)
        if page is None or page.status != 200:
            return None
        found = find_form(page.text, page.path, pattern)
        if found is None:  # already taken, or not open any more
            return None
        form, url = found
        self.send(action, form, url, values, follow="agent: request page")
        self.think()
        return None


def _forms_with(page, marker: str):
    for match in re.finditer(r"<form\b.*?</form>", page.text, re.S):
        if marker in match.group(0):
            found = find_form(match.group(0), page.path, ".")
            if found:
                yield found


# --- CPU by process group ------------------------------------------------------------------


class CpuMonitor:
    """CPU seconds per process group between two snapshots, from /proc/<pid>/stat.

    A group is a process and everything below it, each member counted with the CPU of the
    children it has reaped, so processes that come and go within the window are included.
    PostgreSQL's children are also sampled 20 times a second with the database each one serves
    (from its process title), which splits the server's CPU into this database's backends,
    other databases' backends, backends too short-lived for the sampler to see (one request
    each with CONN_MAX_AGE=0: mostly this bench's, but any database's), and the server's own
    processes (checkpointer, WAL writer, autovacuum, …).
    """

    def __init__(self, groups: dict[str, int], database: str):
        self.groups = groups
        self.database = database
        self.postmaster = _postmaster()
        self.owners: dict[int, str | None] = {}  # backend pid: database, None for the server's
        self.baseline: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.sampling = threading.Event()
        threading.Thread(target=self._sample_loop, daemon=True).start()

    def _stats(self) -> dict[int, tuple]:
        return {pid: s for pid in all_pids() if (s := proc_stat(pid))}

    def _learn_owner(self, pid: int) -> None:
        """The database a backend serves, from its title ("postgres: 15/main: user db
        host(port) state"); None for the server's own processes. Read while it runs."""
        if pid in self.owners:
            return
        cmdline = proc_cmdline(pid)
        if not cmdline.startswith("postgres:"):
            return  # just forked, title not set yet: next sample
        title = cmdline.split(":", 2)[-1].split()
        is_backend = len(title) >= 3 and ("(" in title[2] or title[2] == "[local]")
        self.owners[pid] = title[1] if is_backend else None

    def _postgres_children(self, stats) -> dict[int, float]:
        found = {
            pid: own
            for pid, (parent, name, own, _) in stats.items()
            if parent == self.postmaster and name == "postgres"
        }
        for pid in found:
            self._learn_owner(pid)
        return found

    def _sample_loop(self) -> None:
        children_file = Path(f"/proc/{self.postmaster}/task/{self.postmaster}/children")
        while True:
            time.sleep(SAMPLE_SECONDS)
            if not (self.sampling.is_set() and self.postmaster):
                continue
            try:  # the postmaster's children alone: cheap enough to look 20 times a second
                pids = [int(p) for p in children_file.read_text().split()]
                stats = {pid: s for pid in pids if (s := proc_stat(pid))}
            except OSError:
                stats = self._stats()
            self.last.update(self._postgres_children(stats))

    def snapshot(self) -> dict:
        stats = self._stats()
        children = defaultdict(list)
        for pid, (parent, *_rest) in stats.items():
            children[parent].append(pid)

        def tree_total(root: int) -> float:
            total, frontier = 0.0, [root]
            while frontier:
                pid = frontier.pop()
                if pid in stats:
                    total += stats[pid][2] + stats[pid][3]
                frontier.extend(children.get(pid, ()))
            return total

        snap = {name: tree_total(pid) for name, pid in self.groups.items()}
        snap["client"] = stats[os.getpid()][2]
        if self.postmaster:
            snap["postgres"] = tree_total(self.postmaster)
            snap["reaped"] = stats[self.postmaster][3]
            snap["children"] = self._postgres_children(stats)
        snap["machine"] = machine_cpu()
        snap["time"] = time.monotonic()
        return snap

    def start(self) -> dict:
        first = self.snapshot()
        self.baseline = dict(first.get("children", {}))
        self.last = dict(self.baseline)
        self.sampling.set()
        return first

    def finish(self, first: dict) -> dict:
        self.sampling.clear()
        end = self.snapshot()
        rows = {name: end[name] - first[name] for name in self.groups}
        if self.postmaster:
            rows.update(self._postgres_rows(first, end))
        rows["load client (this process)"] = end["client"] - first["client"]
        busy = end["machine"][0] - first["machine"][0]
        total = end["machine"][1] - first["machine"][1]
        rows["rest of the machine (other work)"] = max(0.0, busy - sum(rows.values()))
        return {"seconds": end["time"] - first["time"], "rows": rows, "busy": busy,
                "capacity": total}  # fmt: skip

    def _postgres_rows(self, first: dict, end: dict) -> dict:
        self.last.update(end["children"])
        alive = end["children"]
        by_owner = defaultdict(float)
        for pid, own in self.last.items():
            by_owner[self.owners.get(pid)] += own - self.baseline.get(pid, 0.0)
        # A backend that exited adds its whole life to the postmaster's reaped time: the part
        # before the window is taken off, the part the sampler saw is already counted above.
        exited = [pid for pid in self.last if pid not in alive]
        reaped = end["reaped"] - first["reaped"] - sum(self.baseline.get(p, 0.0) for p in exited)
        unseen = max(0.0, reaped - sum(self.last[p] - self.baseline.get(p, 0.0) for p in exited))
        ours = by_owner.pop(self.database, 0.0)
        by_owner.pop(None, None)
        others = sum(by_owner.values())
        everything = end["postgres"] - first["postgres"]
        return {
            f"postgres: backends of {self.database}": ours,
            "postgres: backends too short-lived to sample (< 50 ms, any database)": unseen,
            "postgres: backends of other databases": others,
            "postgres: server processes (WAL, checkpoints, autovacuum…)": max(
                0.0, everything - ours - unseen - others
            ),
        }


def _postmaster() -> int | None:
    for pid in all_pids():
        stat = proc_stat(pid)
        if stat and stat[1] == "postgres":
            parent = proc_stat(stat[0])
            if parent is None or parent[1] != "postgres":
                return pid
    return None


# --- Statistics and printing ---------------------------------------------------------------


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summarise(samples, seconds: float) -> dict:
    by_action = defaultdict(list)
    for _, action, took, ok, status in samples:
        by_action[action].append((took, ok, status))
    result = {}
    for action in sorted(by_action, key=lambda a: (a.split(":")[0], a)):
        result[action] = _stats(by_action[action], seconds)
    result["overall"] = _stats([(t, ok, s) for _, _, t, ok, s in samples], seconds)
    return result


def _stats(rows, seconds: float) -> dict:
    times = [t * 1000 for t, _, _ in rows]
    errors = defaultdict(int)
    for _, ok, status in rows:
        if not ok:
            errors[str(status)] += 1
    return {
        "requests": len(rows),
        "per_s": len(rows) / seconds if seconds else 0.0,
        "p50_ms": statistics.median(times) if times else None,
        "p95_ms": percentile(times, 0.95) if times else None,
        "p99_ms": percentile(times, 0.99) if times else None,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def print_actions(summary: dict) -> None:
    header = ("action", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
    rows = []
    for action, s in summary.items():
        errors = str(s["errors"])
        if s["errors"]:
            errors += " (" + ", ".join(f"{k}: {v}" for k, v in s["error_kinds"].items()) + ")"
        rows.append(
            (
                action,
                s["requests"],
                f"{s['per_s']:.1f}",
                _ms(s["p50_ms"]),
                _ms(s["p95_ms"]),
                _ms(s["p99_ms"]),
                errors,
            )
        )
    _print_table(header, rows, "<>>>>><")


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _print_table(header, rows, align) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row):
        return " | ".join(f"{v!s:{a}{w}}" for v, a, w in zip(row, align, widths, strict=True))

    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def print_cpu(cpu: dict) -> None:
    seconds = cpu["seconds"]
    capacity = cpu["capacity"] or 1
    rows = [
        (name, f"{value:.1f}", f"{value / seconds:.2f}", f"{100 * value / capacity:.0f}%")
        for name, value in cpu["rows"].items()
    ]
    rows.append(
        (
            "machine busy (all processes)",
            f"{cpu['busy']:.1f}",
            f"{cpu['busy'] / seconds:.2f}",
            f"{100 * cpu['busy'] / capacity:.0f}%",
        )
    )
    print(f"\nCPU over the {seconds:.0f} s window ({os.cpu_count()} CPUs = {capacity:.0f} CPU-s):")
    _print_table(("process group", "CPU s", "cores", "of machine"), rows, "<>>>")


# --- Orchestration -------------------------------------------------------------------------


class Stack:
    """gunicorn, the django-q2 worker and the SMTP sink, started and stopped together."""

    def __init__(self, args, database_url: str):
        self.args = args
        self.logdir = Path(tempfile.mkdtemp(prefix="load_bench_"))
        self.media = self.logdir / "media"
        self.smtp_port, self.web_port = free_port(), free_port()
        self.mail_count = self.logdir / "mails"
        extra = {"EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}", "MEDIA_ROOT": self.media}
        if args.conn_max_age is not None:
            extra["BENCH_CONN_MAX_AGE"] = args.conn_max_age
        if args.q_workers is not None:
            extra["Q_WORKERS"] = args.q_workers
        self.env = server_env(
            database_url=database_url, secret_key=secrets.token_urlsafe(50), **extra
        )
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.processes = {}

    def start(self) -> None:
        python = sys.executable
        self.processes["smtp"] = start_process(
            [
                python,
                str(ROOT / "bench" / "smtp_sink.py"),
                str(self.smtp_port),
                str(self.mail_count),
            ],
            env=self.env,
            log=self.logdir / "smtp.log",
        )
        self.processes["gunicorn"] = start_gunicorn(
            port=self.web_port,
            workers=self.args.workers,
            worker_class=self.args.worker_class,
            threads=self.args.threads,
            env=self.env,
            log=self.logdir / "gunicorn.log",
        )
        self.processes["qcluster"] = start_process(
            [python, str(ROOT / "manage.py"), "qcluster"],
            env=self.env,
            log=self.logdir / "qcluster.log",
        )
        wait_until_serving(self.base_url, "/bench/floor/")

    def mails(self) -> int:
        try:
            return int(self.mail_count.read_text() or 0)
        except (OSError, ValueError):
            return 0

    def stop(self) -> None:
        for name in ("gunicorn", "qcluster", "smtp"):
            if name in self.processes:
                stop_process(self.processes[name], seconds=30)

    def groups(self) -> dict[str, int]:
        names = {
            "gunicorn": f"gunicorn (master + {self.args.workers} workers)",
            "qcluster": "django-q2 qcluster (all its processes)",
            "smtp": "SMTP server",
        }
        return {names[k]: p.pid for k, p in self.processes.items()}


def log_in_users(base_url: str, run: Run, customers: int, agents: int) -> list[User]:
    """Log new simulated users in (in parallel, before they are measured), mixed in order."""
    kinds = [Customer] * customers + [Agent] * agents
    random.Random(len(run.users)).shuffle(kinds)
    specs = []
    for kind in kinds:
        number = sum(1 for u in run.users if isinstance(u, kind)) + sum(
            1 for k, *_ in specs if k is kind
        )
        if kind is Agent:
            email = bigdb.AGENT_EMAIL.format(i=number % bigdb.AGENTS_WITH_PASSWORD)
        else:  # organisations 1…59: organisation 0 is the manager's
            email = bigdb.CUSTOMER_EMAIL.format(i=1 + number % (bigdb.CUSTOMERS_WITH_PASSWORD - 1))
        specs.append((kind, email, len(run.users) + len(specs)))

    def log_in(spec):
        kind, email, index = spec
        browser = Browser(base_url, timeout=120)
        browser.login(email, bigdb.PASSWORD)
        return kind(run, browser, index)

    with ThreadPoolExecutor(4) as pool:
        users = list(pool.map(log_in, specs))
    run.users += users
    return users


def start_users(users, run: Run, spread: float) -> None:
    for user in users:
        user.start()
        run.stop.wait(spread / max(1, len(users)))


def window(run: Run, start: float, end: float):
    return [s for s in run.samples if start <= s[0] <= end]


def steady(args, stack: Stack, run: Run, monitor: CpuMonitor) -> dict:
    users = log_in_users(stack.base_url, run, args.customers, args.agents)
    print(f"{len(users)} users logged in; warming up for {args.warmup:.0f} s", file=sys.stderr)
    start_users(users, run, spread=5)
    run.stop.wait(args.warmup)
    load_before = load_average()
    mails_before = stack.mails()
    sessions_before = sessions_by_database()
    first = monitor.start()
    started = time.monotonic()
    while time.monotonic() - started < args.duration:
        run.stop.wait(min(10, args.duration - (time.monotonic() - started)))
        done = len(window(run, started, time.monotonic()))
        print(f"  {time.monotonic() - started:4.0f} s: {done} requests", file=sys.stderr)
    ended = time.monotonic()
    cpu = monitor.finish(first)
    sessions = {k: v - sessions_before.get(k, 0) for k, v in sessions_by_database().items()}
    load_after = load_average()
    mails = stack.mails() - mails_before
    run.stop.set()
    summary = summarise(window(run, started, ended), ended - started)
    return {
        "summary": summary,
        "cpu": cpu,
        "load_before": load_before,
        "load_after": load_after,
        "mails": mails,
        "users": len(users),
        "sessions": sessions,
    }


def ramp(args, stack: Stack, run: Run) -> dict:
    stages, users = [], []
    count = args.ramp_start
    while count <= args.ramp_max:
        new = count - len(users)
        customers = new - new // 5
        added = log_in_users(stack.base_url, run, customers, new - customers)
        start_users(added, run, spread=3)
        users += added
        run.stop.wait(args.ramp_settle)
        started = time.monotonic()
        load = load_average()
        run.stop.wait(args.stage_seconds)
        ended = time.monotonic()
        overall = summarise(window(run, started, ended), ended - started)["overall"]
        stage = {"users": len(users), "load": load, **overall}
        stages.append(stage)
        print(
            f"  {len(users)} users: {overall['per_s']:.1f} req/s, p95 {_ms(overall['p95_ms'])} ms",
            file=sys.stderr,
        )
        if overall["p95_ms"] is None or overall["p95_ms"] > RAMP_LIMIT_MS:
            break
        count += args.ramp_step
    run.stop.set()
    return {"stages": stages}


def cleanup(run: Run, first_ticket: int, first_task: int | None, started_at: float) -> int:
    """Delete what this run created: its requests (with their messages, history, files' rows)
    and django-q2's queued and finished tasks."""
    from django.apps import apps
    from django.db import connection

    ticket_model = apps.get_model("tickets", "Ticket")
    filed = ticket_model.objects.filter(pk__gte=first_ticket).filter(
        subject__startswith=f"Нагрузка {run.tag}"
    )
    count = filed.count()
    filed.delete()
    with connection.cursor() as cursor:
        if first_task is not None:
            cursor.execute("DELETE FROM django_q_ormq WHERE id >= %s", [first_task])
            cursor.execute(
                "DELETE FROM django_q_task WHERE started >= to_timestamp(%s)", [started_at]
            )
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


def sessions_by_database() -> dict[str, int]:
    """Connections opened so far to each database (PostgreSQL 14+ counts them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT datname, sessions FROM pg_stat_database WHERE datname IS NOT NULL")
        return dict(cursor.fetchall())


def queue_backlog() -> int | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('django_q_ormq')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT count(*) FROM django_q_ormq")
        return cursor.fetchone()[0]


def describe(args, stack: Stack, info: dict) -> str:
    from django.conf import settings  # bench.settings, as the servers have it

    conn_max_age = (
        args.conn_max_age
        if args.conn_max_age is not None
        else settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    )
    broker = "Redis" if "redis" in settings.Q_CLUSTER else "database (ORM)"
    q_workers = args.q_workers or settings.Q_CLUSTER.get("workers")
    threads = f" × {args.threads} threads" if args.worker_class != "sync" else ""
    return (
        f"gunicorn {args.workers} {args.worker_class} workers{threads}, CONN_MAX_AGE="
        f"{conn_max_age}; qcluster {q_workers} workers, {broker} broker; SMTP sink; "
        f"think {args.think_min:g}–{args.think_max:g} s; database {info['tickets']:,} requests; "
        f"code: {bigdb.code_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--think-min", type=float, default=1.0)
    parser.add_argument("--think-max", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--conn-max-age", type=int, help="override the application's setting")
    parser.add_argument("--q-workers", type=int, help="override Q_WORKERS")
    parser.add_argument(
        "--db", help="database URL (default: BENCH_DATABASE_URL or proftiket_bench1m)"
    )
    parser.add_argument("--tickets", type=int, default=1_000_000, help="requests to seed")
    parser.add_argument("--ramp", action="store_true", help="add users until p95 passes 1 s")
    parser.add_argument("--ramp-start", type=int, default=20)
    parser.add_argument("--ramp-step", type=int, default=10)
    parser.add_argument("--ramp-max", type=int, default=300)
    parser.add_argument("--ramp-settle", type=float, default=10)
    parser.add_argument("--stage-seconds", type=float, default=45)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()

    info = bigdb.ensure(db=args.db, tickets=args.tickets)
    from django.db import connection

    database = connection.settings_dict["NAME"]
    run = Run(tag=secrets.token_hex(3), think=(args.think_min, args.think_max))
    stack = Stack(args, os.environ["DATABASE_URL"])
    first_ticket, first_task = next_ids()
    started_at = time.time()
    backlog_before = queue_backlog()
    result = {}
    try:
        stack.start()
        print(f"servers up (logs in {stack.logdir})", file=sys.stderr)
        monitor = CpuMonitor(stack.groups(), database)
        result = ramp(args, stack, run) if args.ramp else steady(args, stack, run, monitor)
        result["backlog_end"] = queue_backlog()
    except BaseException:
        for log in ("gunicorn.log", "qcluster.log", "smtp.log"):
            print(f"--- {log}\n{tail(stack.logdir / log)}", file=sys.stderr)
        raise
    finally:
        run.stop.set()
        for user in run.users:  # let each finish the request it is in
            user.join(timeout=15)
        stack.stop()
        deleted = cleanup(run, first_ticket, first_task, started_at)
        print(f"deleted the {deleted} requests this run filed, and its tasks", file=sys.stderr)
        connection.close()

    title = describe(args, stack, info)
    print()
    if args.ramp:
        print(
            f"Ramp: users added {args.ramp_step} at a time (4 customers : 1 agent), each "
            f"stage measured for {args.stage_seconds:.0f} s after {args.ramp_settle:.0f} s; "
            f"{title}"
        )
        rows = [
            (
                s["users"],
                f"{s['per_s']:.1f}",
                _ms(s["p50_ms"]),
                _ms(s["p95_ms"]),
                _ms(s["p99_ms"]),
                s["errors"],
                f"{s['load']:.2f}",
            )
            for s in result["stages"]
        ]
        _print_table(
            ("users", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "load 1 min"),
            rows,
            ">>>>>>>",
        )
        within = [
            s for s in result["stages"] if s["p95_ms"] is not None and s["p95_ms"] <= RAMP_LIMIT_MS
        ]
        if within:
            best = within[-1]
            print(
                f"sustained before p95 passed {RAMP_LIMIT_MS} ms: {best['per_s']:.1f} req/s "
                f"at {best['users']} users (goal ≥ 60 req/s)"
            )
        else:
            print(f"p95 was above {RAMP_LIMIT_MS} ms already at {args.ramp_start} users")
    else:
        overall = result["summary"]["overall"]
        print(
            f"{result['users']} users ({args.customers} customers, {args.agents} agents), "
            f"{args.duration:.0f} s measured after {args.warmup:.0f} s warm-up; {title}"
        )
        print_actions(result["summary"])
        print_cpu(result["cpu"])
        seconds = result["cpu"]["seconds"]
        ours = result["sessions"].pop(database, 0)
        others = sum(result["sessions"].values())
        print(
            f"database connections opened in the window: {ours} to {database} "
            f"({ours / seconds:.1f}/s), {others} to other databases ({others / seconds:.1f}/s)"
        )
        met = overall["p95_ms"] is not None and overall["p95_ms"] <= P95_GOAL_MS
        print(
            f"\ne-mails received by the SMTP server in the window: {result['mails']}; "
            f"tasks waiting in the queue: {backlog_before} before, {result['backlog_end']} "
            f"at the end"
        )
        print(
            f"goal: p95 ≤ {P95_GOAL_MS} ms for the 50 users: "
            f"{'met' if met else 'not met'} (p95 {_ms(overall['p95_ms'])} ms, "
            f"{overall['per_s']:.1f} req/s)"
        )
        print(
            f"load average (1 min): {result['load_before']:.2f} at the start of the window, "
            f"{result['load_after']:.2f} at its end"
        )
    if args.json:
        result["title"] = title
        result["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        print(f"results written to {args.json}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main()
