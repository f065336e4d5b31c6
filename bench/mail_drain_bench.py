"""How fast queued notifications drain to a mail server that comes back (issue 10).

    .venv/bin/python bench/mail_drain_bench.py              # 300 filings, NEW_REQUEST_NOTIFY=all
    .venv/bin/python bench/mail_drain_bench.py --filings 500 --notify on_duty
    .venv/bin/python bench/mail_drain_bench.py --outage 30  # the worker runs during the outage
    .venv/bin/python bench/mail_drain_bench.py --app /tmp/old-checkout   # another checkout

1. A database of its own (`--db`, default pt_mail_drain on 127.0.0.1, dropped and created),
   migrated, with an organisation under contract, a customer, `--agents` agents and a
   supervisor.
2. The mail server is down. `--filings` requests are filed through the lifecycle, each in its
   own transaction, as the portal does: their notifications wait in django-q2's database queue.
   With `--outage S` the worker already runs for S seconds while the server is down (the
   tasks fail and wait for django-q2's retry, as in a real outage).
3. A local SMTP server (aiosmtpd in a subprocess, counting) starts, then (unless already
   running) the real django-q2 worker (`manage.py qcluster`, `--workers` processes).
4. When the queue is empty and no e-mail arrived for a few seconds: the e-mails received,
   the drain time from the first to the last e-mail, e-mails per second, and the 1-minute
   load average before and after (the machine is shared: read the rate next to it).

`--app` runs the filing and the worker from another checkout (say, main before a change), so
that one command measures before and after. Nothing here is part of the test suite.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sink(port: int, state_file: Path) -> None:
    """The SMTP server: accepts everything; writes {count, first, last} every 0.2 s."""
    import threading

    from aiosmtpd.controller import Controller

    class Counting:
        count, first, last = 0, None, None
        lock = threading.Lock()

        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            with self.lock:
                self.count += len(envelope.rcpt_tos)
                self.first = self.first or now
                self.last = now
            return "250 Message accepted"

    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def write():
        state = {"count": handler.count, "first": handler.first, "last": handler.last}
        state_file.write_text(json.dumps(state))

    while not stop.wait(0.2):
        write()
    controller.stop()
    write()


def environment(app: Path, db_url: str, smtp_port: int, notify: str, workers: int) -> dict:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "Q_"))}
    keep.pop("REDIS_URL", None)
    return keep | {
        "DJANGO_SETTINGS_MODULE": "proftiket.settings",
        "DATABASE_URL": db_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "NEW_REQUEST_NOTIFY": notify,
        "Q_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(app),
    }


def recreate_database(db_url: str) -> None:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def seed_and_file(filings: int, agents: int) -> int:
    """People and a contract, then the filings (each committed, its notification queued)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from datetime import date

    from accounts.models import Organization, Role, User
    from sla.models import Contract, SupportPlan, default_calendar
    from tickets import lifecycle
    from tickets.models import Ticket

    plan = SupportPlan.objects.create(
        name="Drain", calendar=default_calendar(), covered_types=list(Ticket.Type.values)
    )
    organization = Organization.objects.create(name="Drain Telecom")
    Contract.objects.create(
        organization=organization, plan=plan, number="DRAIN-1", starts_on=date(2020, 1, 1)
    )
    customer = User.objects.create(
        email="customer@drain.test",
        full_name="Customer",
        role=Role.CUSTOMER,
        organization=organization,
    )
    User.objects.create(email="lead@drain.test", full_name="Lead", role=Role.SUPERVISOR)
    for n in range(agents):
        User.objects.create(email=f"agent{n}@drain.test", full_name=f"Agent {n}", role=Role.AGENT)
    for n in range(filings):
        lifecycle.create_ticket(
            requester=customer,
            type=Ticket.Type.INCIDENT,
            subject=f"Нет связи на узле {n}",
            description="С 09:40 абоненты не регистрируются в сети.",
        )
    return filings


def queue_size(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url) as connection:
        return connection.execute("SELECT count(*) FROM django_q_ormq").fetchone()[0]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and of its children that have ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def process_tree(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def backends(db_url: str) -> list[int]:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return [pid for (pid,) in rows]


def read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"count": 0, "first": None, "last": None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--filings", type=int, default=300)
    parser.add_argument("--agents", type=int, default=13, help="active agents (0.1 mailed all)")
    parser.add_argument("--notify", default="all", choices=["all", "on_duty", "team"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--outage", type=int, default=0, help="seconds the worker runs first")
    parser.add_argument("--db", default="postgres://root@127.0.0.1:5432/pt_mail_drain")
    parser.add_argument("--app", type=Path, default=HERE, help="the checkout to measure")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--sink", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink(int(args.sink[0]), Path(args.sink[1]))
        return

    app = args.app.resolve()
    port = free_port()
    env = environment(app, args.db, port, args.notify, args.workers)
    if args.notify == "team":
        env["SUPPORT_TEAM_EMAIL"] = "team@drain.test"
    os.environ.update(env)
    sys.path.insert(0, str(app))
    os.chdir(app)
    print(f"app {app}, {args.filings} filings, {args.agents} agents, notify={args.notify}")
    recreate_database(args.db)
    began = time.monotonic()
    seed_and_file(args.filings, args.agents)
    print(
        f"filed {args.filings} requests in {time.monotonic() - began:.1f}s; "
        f"{queue_size(args.db)} tasks queued; the mail server is down"
    )

    handle, name = tempfile.mkstemp(prefix="mail_drain_", suffix=".json")
    os.close(handle)
    state_file = Path(name)
    worker_command = [sys.executable, "manage.py", "qcluster"]
    processes = []

    def start(command, **options):
        processes.append(subprocess.Popen(command, env=env, **options))  # noqa: S603
        return processes[-1]

    try:
        load_before = os.getloadavg()[0]
        worker = None
        if args.outage:
            worker = start(worker_command, cwd=app)
            print(f"worker running for {args.outage}s while the mail server is down")
            time.sleep(args.outage)
        smtp_server = start([sys.executable, __file__, "--sink", str(port), str(state_file)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        started = time.time()
        worker = worker or start(worker_command, cwd=app)
        print("mail server up, worker running")
        last_count, quiet_since = -1, time.monotonic()
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            time.sleep(1)
            state = read_state(state_file)
            if state["count"] != last_count:
                last_count, quiet_since = state["count"], time.monotonic()
                continue
            if time.monotonic() - quiet_since > 5 and queue_size(args.db) == 0:
                break
        load_after = os.getloadavg()[0]
        cpu = {
            "worker": sum(cpu_seconds(pid) for pid in process_tree(worker.pid)),
            "smtp_server": cpu_seconds(smtp_server.pid),
            "postgres": sum(cpu_seconds(pid) for pid in backends(args.db)),
        }
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    state = read_state(state_file)
    state_file.unlink(missing_ok=True)
    if not state["count"]:
        sys.exit("no e-mail arrived")
    drain = max(state["last"] - state["first"], 1e-6)
    print(
        json.dumps(
            {
                "emails": state["count"],
                "per_filing": round(state["count"] / args.filings, 2),
                "first_email_after_s": round(state["first"] - started, 2),
                "drain_s": round(drain, 2),
                "emails_per_s": round(state["count"] / drain, 1),
                "until_last_email_s": round(state["last"] - started, 2),
                "load_1min_before_after": [round(load_before, 2), round(load_after, 2)],
                # CPU from the worker's start (the SMTP server's and the worker's whole life; the
                # database backends still connected at the end).
                "cpu_ms_per_email": {
                    k: round(v * 1000 / state["count"], 2) for k, v in cpu.items()
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
