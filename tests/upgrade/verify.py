"""After the current code's `migrate` of a release's fixture: nothing lost, everything works.

Run by scripts/upgrade-check (which restores the fixture and migrates it) as

    python -m tests.upgrade.verify tests/upgrade/fixtures/<release>

with the fixture's SECRET_KEY and MEDIA_ROOT in the environment. Checks, in this order:
1. every row of every table of the release is still there with the same values (the
   committed snapshot, column by column; new columns and rows are fine);
2. with the release's password, a user of every role logs in;
3. every request opens in the portal for its requester (a manager of the organisation when
   the requester is deactivated) and is a 404 for another organisation's customer; every
   request opens in the console; the lists and reports open; every file downloads with
   its checksum, and internal files stay hidden from customers. The links are the ones the
   release's e-mails carried (/tickets/PT-<n>/, /admin/tickets/ticket/<n>/change/);
4. every django-q2 schedule points at a callable; the scheduler enqueues each due one, and
   every queued task (the release's own included) runs to the end;
5. `setup_schedules` keeps the release's schedules (same rows), leaves no two schedules
   running the same job, is idempotent, and leaves others' schedules alone.
"""

import hashlib
import json
import logging
import os
import pydoc
import sys
import time
import traceback
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proftiket.settings")
django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.html import escape  # noqa: E402
from django_q import scheduler as q_scheduler  # noqa: E402
from django_q.brokers import get_broker  # noqa: E402
from django_q.models import Schedule  # noqa: E402
from django_q.signing import SignedPackage  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from tests.upgrade import expected_changes, snapshot  # noqa: E402
from tickets.models import Attachment, Ticket  # noqa: E402

PROFTIKET_SCHEDULE_PREFIX = "proftiket:"


class Problems(list):
    def check(self, condition: bool, message: str) -> bool:
        if not condition:
            self.append(message)
        return condition


def rows_kept(fixture: Path, problems: Problems) -> str:
    old = snapshot.read(fixture / "snapshot.json")
    new = snapshot.take(os.environ["DATABASE_URL"])
    found, compared = snapshot.compare(
        old,
        new,
        ignored_columns=expected_changes.IGNORED_COLUMNS,
        rows_may_go=expected_changes.ROWS_MAY_GO,
    )
    problems.extend(found)
    return f"{compared} rows of {len(old)} tables compared"


def logins_work(password: str, problems: Problems) -> str:
    roles = 0
    for role in Role.values:
        person = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        if not problems.check(person is not None, f"no active user with the role {role}"):
            continue
        client = Client(raise_request_exception=False)
        response = client.post("/account/login/", {"username": person.email, "password": password})
        logged_in = str(client.session.get("_auth_user_id")) == str(person.pk)
        problems.check(
            response.status_code == 302 and logged_in,
            f"{person.email} ({role}) cannot log in with the release's password "
            f"(HTTP {response.status_code})",
        )
        roles += 1
    return f"login by password for {roles} roles"


def _viewer(ticket):
    """The requester, or (deactivated requester) an active manager of the organisation."""
    if ticket.requester.is_active:
        return ticket.requester
    return (
        User.objects.filter(
            organization_id=ticket.organization_id, role=Role.CUSTOMER_MANAGER, is_active=True
        )
        .order_by("pk")
        .first()
    )


class Browsers:
    """One logged-in test client per user (a 500 is an answer to report, not an exception)."""

    def __init__(self):
        self._clients = {}

    def __call__(self, user) -> Client:
        if user.pk not in self._clients:
            self._clients[user.pk] = Client(raise_request_exception=False)
            self._clients[user.pk].force_login(user)
        return self._clients[user.pk]


def _active(role, **filters):
    return User.objects.filter(role=role, is_active=True, **filters).order_by("pk").first()


def pages_open(problems: Problems) -> str:
    browser = Browsers()
    staff = browser(_active(Role.AGENT))
    viewers, requests, files = set(), 0, 0
    for ticket in Ticket.objects.select_related("requester").order_by("pk"):
        reference = f"PT-{ticket.pk}"
        viewer = _viewer(ticket)
        if not problems.check(viewer is not None, f"{reference}: nobody active may open it"):
            continue
        viewers.add(viewer)
        response = browser(viewer).get(f"/tickets/{reference}/")
        problems.check(
            response.status_code == 200 and escape(ticket.subject) in response.text,
            f"{reference} in the portal for {viewer.email}: HTTP {response.status_code}",
        )
        outsider = (
            User.objects.filter(role=Role.CUSTOMER, is_active=True)
            .exclude(organization_id=ticket.organization_id)
            .order_by("pk")
            .first()
        )
        if outsider is not None:
            status = browser(outsider).get(f"/tickets/{reference}/").status_code
            problems.check(status == 404, f"{reference} for another organisation: HTTP {status}")
        # The address the old e-mails carry; it leads to the request's workspace now.
        response = staff.get(f"/admin/tickets/ticket/{ticket.pk}/change/", follow=True)
        problems.check(
            response.status_code == 200 and reference in response.text,
            f"{reference} in the console: HTTP {response.status_code}",
        )
        requests += 1
        for attachment in Attachment.objects.filter(ticket=ticket).order_by("pk"):
            files += _file_downloads(ticket, attachment, staff, browser(viewer), problems)
    lists = [(browser(viewer), "/tickets/") for viewer in viewers]
    lists += [(staff, "/admin/tickets/ticket/"), (staff, "/admin/")]
    reports = ["", "sla/", "times/", "ageing/", "engineers/", "closure/"]
    lists += [(browser(_active(Role.SUPERVISOR)), f"/reports/{page}") for page in reports]
    for client, path in lists:
        status = client.get(path).status_code
        problems.check(status == 200, f"{path}: HTTP {status}")
    return f"{requests} requests in the portal and the console, {files} file downloads"


def _file_downloads(ticket, attachment, staff, customer, problems) -> int:
    path = f"/tickets/PT-{ticket.pk}/files/{attachment.pk}/{quote(attachment.original_name)}"
    response = staff.get(path)
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    problems.check(
        response.status_code == 200 and hashlib.sha256(body).hexdigest() == attachment.sha256,
        f"{path} for support: HTTP {response.status_code}, checksum "
        f"{'matches' if hashlib.sha256(body).hexdigest() == attachment.sha256 else 'differs'}",
    )
    status = customer.get(path).status_code
    expected = 404 if attachment.is_internal else 200
    problems.check(status == expected, f"{path} for the customer: HTTP {status}, not {expected}")
    return 2


def _callable(path: str):
    function = pydoc.locate(path)
    return function if callable(function) else None


def queue_runs(problems: Problems) -> str:
    """Every schedule's function exists; the scheduler enqueues; every queued task runs."""
    for schedule in Schedule.objects.order_by("pk"):
        problems.check(
            _callable(schedule.func) is not None,
            f"schedule {schedule.name!r}: {schedule.func} is not a function of this code",
        )
    ran_before = dict(Schedule.objects.values_list("pk", "task"))
    broker = get_broker()
    q_scheduler.scheduler(broker=broker)
    for schedule in Schedule.objects.order_by("pk"):
        problems.check(
            schedule.task and schedule.task != ran_before[schedule.pk],
            f"schedule {schedule.name!r} (due {schedule.next_run}) was not enqueued",
        )
    mail.outbox = []
    done, rounds = 0, 0
    while (batch := broker.dequeue()) and rounds < 20:
        rounds += 1
        for task_id, payload in batch:
            done += _run_task(task_id, payload, problems)
            broker.acknowledge(task_id)
    problems.check(broker.queue_size() == 0, "tasks are still queued after 20 rounds")
    return f"{done} queued tasks ran (the release's and the scheduled), {len(mail.outbox)} e-mails"


def _run_task(task_id, payload, problems) -> int:
    try:
        task = SignedPackage.loads(payload)
    except Exception as error:  # report every broken task
        problems.append(f"queued task {task_id}: cannot be read ({error})")
        return 0
    function = task["func"] if callable(task["func"]) else _callable(task["func"])
    missing = f"queued task {task.get('name')}: {task['func']} is not a function of this code"
    if not problems.check(function is not None, missing):
        return 0
    try:
        function(*task.get("args", ()), **task.get("kwargs", {}))
    except Exception as error:
        problems.append(f"queued task {task.get('name')} ({task['func']}) failed: {error!r}")
        return 0
    return 1


def _schedule_rows() -> dict:
    return {
        s.pk: (s.name, s.func, s.schedule_type, s.minutes, s.repeats, s.args, s.kwargs, s.cron)
        for s in Schedule.objects.order_by("pk")
    }


def schedules_consistent(fixture: Path, problems: Problems) -> str:
    released = snapshot.read(fixture / "snapshot.json")["django_q_schedule"]["rows"]
    call_command("setup_schedules", stdout=StringIO())
    rows = _schedule_rows()
    call_command("setup_schedules", stdout=StringIO())
    problems.check(_schedule_rows() == rows, "a second setup_schedules changed the schedules")
    names = [name for name, *_rest in rows.values()]
    problems.check(len(names) == len(set(names)), f"schedules with the same name: {names}")
    jobs = {}
    for name, func, *_rest, args, kwargs, _cron in rows.values():
        job = (_callable(func), args, kwargs)
        if job in jobs:
            problems.append(f"schedules {jobs[job]!r} and {name!r} run the same job twice")
        jobs[job] = name
    for old in released:
        current = rows.get(old["id"])
        if not old["name"].startswith(PROFTIKET_SCHEDULE_PREFIX):
            problems.check(
                current is not None and current[:2] == (old["name"], old["func"]),
                f"someone else's schedule {old['name']!r} was changed or removed",
            )
        elif old["name"] in names:
            problems.check(
                current is not None and current[0] == old["name"],
                f"schedule {old['name']!r} was recreated instead of kept",
            )
    return f"{len(rows)} schedules consistent after setup_schedules"


def main(fixture: Path) -> int:
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 404s are expected
    manifest = json.loads((fixture / "fixture.json").read_text(encoding="utf-8"))
    problems = Problems()
    for name, check in [
        ("rows", lambda: rows_kept(fixture, problems)),
        ("logins", lambda: logins_work(manifest["password"], problems)),
        ("pages", lambda: pages_open(problems)),
        ("queue", lambda: queue_runs(problems)),
        ("schedules", lambda: schedules_consistent(fixture, problems)),
    ]:
        started = time.monotonic()
        before = len(problems)
        try:
            summary = check()
        except Exception as error:  # the other checks still run
            summary = "stopped by an error"
            problems.append(f"{name}: {''.join(traceback.format_exception(error)[-3:])}")
        verdict = "OK" if len(problems) == before else f"{len(problems) - before} PROBLEMS"
        print(f"  {name}: {summary} — {verdict} ({time.monotonic() - started:.1f}s)")
    for problem in problems:
        print(f"    {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
