"""Two web processes and two workers on one PostgreSQL database and one Redis (scripts/scale-check).

What it runs, each through the container entrypoint (scripts/entrypoint), as on several hosts:
the one-shot `migrate`, two `web` (gunicorn, ports of their own) and two `worker`
(django-q2 clusters), with Redis as the queue and the cache, e-mail to a real SMTP server
(aiosmtpd in a process of its own, writing a Maildir). Then:
- customers log in on one web process and file requests through both, concurrently, over
  HTTP; a file uploaded through one web process downloads through the other;
- the clusters' own scheduler fires (about 30 s after they start), then two extra
  scheduler processes race the same due probe schedule, round after round;
- every filing's e-mails arrive exactly once (the requester's and the engineer's), none lost,
  none twice; every schedule slot ran exactly once; no task failed.
Environment: SCALE_DB (default proftiket_scale) on 127.0.0.1:5432, SCALE_REDIS_DB (default 14)
on 127.0.0.1:6379; both are emptied before and after.
"""

import contextlib
import email
import email.header
import hashlib
import http.cookiejar
import mailbox
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = os.environ.get("PYTHON") or str(ROOT / ".venv" / "bin" / "python")
DB_NAME = os.environ.get("SCALE_DB", "proftiket_scale")
REDIS_DB = int(os.environ.get("SCALE_REDIS_DB", "14"))
CUSTOMERS, FILINGS_EACH, RACE_ROUNDS = 4, 5, 8
PASSWORD = secrets.token_urlsafe(12)
started = time.monotonic()


def say(text: str) -> None:
    print(f"  [{time.monotonic() - started:5.1f}s] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Background processes, each in a session of its own, stopped like `docker stop`."""

    def __init__(self, logs: Path):
        self.logs, self.running = logs, []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.running.append((name, process, log))
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_all(self) -> None:
        # Like `docker stop`: TERM to the main process only (a django-q2 cluster whose
        # children are signalled too can hang), KILL to the whole group if it does not end.
        for _name, process, _log in self.running:
            if process.poll() is None:
                process.terminate()
        begun = time.monotonic()
        deadline = begun + 20
        for name, process, log in self.running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()
            say(f"{name} stopped after {time.monotonic() - begun:.1f}s")


def run(command: list[str], env: dict | None = None) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def app_environment(smtp_port: int, media: Path, home: Path) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "Q_"))}
    return base | {
        "PYTHON": PYTHON,
        "HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "proftiket.settings",
        "DATABASE_URL": f"postgres://root@127.0.0.1:5432/{DB_NAME}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "PLAIN_STATIC_STORAGE": "true",
        "STATIC_ROOT": str(home / "static"),
        "MEDIA_ROOT": str(media),
        "WEB_CONCURRENCY": "2",
        "Q_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }


def seed() -> dict:
    """A contract with long targets (no SLA mail during the run), customers, one engineer,
    and the probe schedule."""
    from datetime import date, timedelta

    from django.utils import timezone
    from django_q.models import Schedule

    from accounts.models import Organization, Role, User
    from sla.models import Contract, PlanTarget, SupportPlan, default_calendar
    from tickets.models import Ticket

    plan = SupportPlan.objects.create(
        name="Scale", calendar=default_calendar(), covered_types=list(Ticket.Type.values)
    )
    for priority in range(1, 5):
        PlanTarget.objects.create(
            plan=plan,
            priority=priority,
            first_response=timedelta(days=9),
            resolution=timedelta(days=30),
        )
    organization = Organization.objects.create(name="Scale Telecom")
    Contract.objects.create(
        organization=organization, plan=plan, number="SCALE-1", starts_on=date(2020, 1, 1)
    )
    people = {"agent": User(email="agent@scale.test", full_name="Agent", role=Role.AGENT)}
    for n in range(CUSTOMERS):
        people[f"c{n}"] = User(
            email=f"c{n}@scale.test",
            full_name=f"Customer {n}",
            role=Role.CUSTOMER,
            organization=organization,
        )
    for person in people.values():
        person.set_password(PASSWORD)
        person.save()
    Schedule.objects.create(
        name="scale-check probe",
        func="tests.scaling.probe.record",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
        intended_date_kwarg="slot",
        next_run=timezone.now() + timedelta(days=1),
    )
    return {name: person.email for name, person in people.items()}


class Portal:
    """One customer's browser: cookies shared by the web processes (one host, a balancer)."""

    def __init__(self, email_address: str):
        self.email = email_address
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, url, data=None, headers=None):
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def csrf(self, url) -> str:
        status, _headers, body = self.request(url)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not match:
            raise AssertionError(f"GET {url}: HTTP {status}, no form")
        return match.group(1).decode()

    def log_in(self, base):
        token = self.csrf(f"{base}/account/login/")
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": self.email, "password": PASSWORD}
        ).encode()
        status, _headers, _body = self.request(f"{base}/account/login/", data, self.form(base))
        if status != 302:
            raise AssertionError(f"{self.email} cannot log in on {base}: HTTP {status}")

    def form(self, base, content_type="application/x-www-form-urlencoded"):
        return {"Content-Type": content_type, "Referer": f"{base}/"}

    def file_request(self, base, subject, attachment=None) -> str:
        token = self.csrf(f"{base}/tickets/new/")
        fields = {
            "csrfmiddlewaretoken": token,
            "type": "incident",
            "subject": subject,
            "description": f"{subject}: подробности.",
            "technical_details": "",
        }
        boundary = uuid.uuid4().hex
        head = f"--{boundary}\r\nContent-Disposition: form-data; name="
        parts = [f'{head}"{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
        if attachment:
            name, content = attachment
            parts.append(
                f'{head}"files"; filename="{name}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = self.form(base, f"multipart/form-data; boundary={boundary}")
        status, response_headers, _body = self.request(f"{base}/tickets/new/", body, headers)
        location = response_headers.get("Location", "")
        match = re.search(r"/tickets/(PT-\d+)/", location)
        if status != 302 or not match:
            raise AssertionError(f"filing on {base}: HTTP {status} {location}")
        return match.group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for(condition, *, timeout: float, what: str, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def mails(maildir: Path) -> list:
    if not (maildir / "new").exists():
        return []  # the SMTP server creates the Maildir with its first message
    box = mailbox.Maildir(maildir, create=False)
    return [email.message_from_bytes(box.get_bytes(key)) for key in box.keys()]  # noqa: SIM118


def main() -> int:
    temporary = Path(tempfile.mkdtemp(prefix="proftiket-scale-"))
    for folder in ("logs", "media", "home-web1", "home-web2", "home-workers"):
        (temporary / folder).mkdir()
    processes = Processes(temporary / "logs")
    import redis

    queue = redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    queue.flushdb()
    run(["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", "--force", DB_NAME])
    run(["createdb", "-h", "127.0.0.1", "-U", "root", DB_NAME])
    failures = []
    try:
        failures = scenario(temporary, processes, queue)
    except AssertionError as error:
        failures = [str(error)]
    finally:
        processes.stop_all()
        for name in ("web1", "web2", "worker1", "worker2"):
            log = processes.log(name) if (temporary / "logs" / f"{name}.log").exists() else ""
            if re.search(r"Traceback|ERROR|CRITICAL", log):
                failures.append(f"errors in the {name} log:\n" + "\n".join(log.splitlines()[-25:]))
        queue.flushdb()
        run(["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", "--force", DB_NAME])
        shutil.rmtree(temporary, ignore_errors=True)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print(f"scale-check: {'OK' if not failures else 'FAILED'} ({time.monotonic() - started:.0f}s)")
    return 1 if failures else 0


def scenario(temporary: Path, processes: Processes, queue) -> list[str]:
    smtp_port = free_port()
    processes.start(
        "smtp",
        [
            PYTHON,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{smtp_port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(temporary / "maildir"),
        ],
        dict(os.environ),
    )
    env = app_environment(smtp_port, temporary / "media", temporary / "home-workers")
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATABASE_URL",
                "REDIS_URL",
                "SECRET_KEY",
                "DEBUG",
                "ALLOWED_HOSTS",
                "MEDIA_ROOT",
                "EMAIL_URL",
            )
        }
    )
    entrypoint = str(ROOT / "scripts" / "entrypoint")
    say("migrate role (one-shot)")
    subprocess.run(
        [entrypoint, "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proftiket.settings")
    django.setup()
    from datetime import timedelta

    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone
    from django_q.models import Schedule, Task

    people = seed()
    connection.close()
    webs = []
    for n in (1, 2):
        port = free_port()
        home = temporary / f"home-web{n}"
        processes.start(
            f"web{n}",
            [entrypoint, "web"],
            app_environment(smtp_port, temporary / "media", home)
            | {"PORT": str(port), "SECRET_KEY": env["SECRET_KEY"]},
        )
        webs.append(f"http://127.0.0.1:{port}")
    worker_start = time.monotonic()
    for n in (1, 2):
        processes.start(f"worker{n}", [entrypoint, "worker"], env)
    say("2 web processes (gunicorn, 2 workers each) and 2 django-q2 clusters starting")
    for base in webs:
        wait_for(lambda base=base: healthy(base), timeout=60, what=f"{base}/healthz")
    say("both web processes answer")

    references, errors = {}, []

    def customer(n: int):
        try:
            portal = Portal(people[f"c{n}"])
            portal.log_in(webs[0])  # the session lives in the database: valid on both
            for k in range(FILINGS_EACH):
                base = webs[(n + k) % 2]
                attachment = ("trace.log", f"trace {n}-{k}\n".encode() * 50) if k == 0 else None
                reference = portal.file_request(base, f"Обращение {n}-{k}", attachment)
                references[reference] = (people[f"c{n}"], base, portal)
        except Exception as error:  # reported below, with the others
            errors.append(f"customer {n}: {error}")

    threads = [threading.Thread(target=customer, args=(n,)) for n in range(CUSTOMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        return errors
    say(f"{len(references)} requests filed over HTTP through both web processes")
    downloads = check_files_cross_web(references, webs)
    say(f"{downloads} files uploaded through one web process downloaded through the other")

    # The clusters' own scheduler first looks ~30 s after they start.
    wait_for(
        lambda: Task.objects.filter(group="proftiket: SLA monitoring", success=True).exists(),
        timeout=max(10, 100 - (time.monotonic() - worker_start)),
        what="the clusters' scheduler running the SLA monitoring",
    )
    connection.close()
    say("the clusters' scheduler ran the SLA monitoring")

    drivers = [
        processes.start(
            f"scheduler{n}", [PYTHON, "-m", "tests.scaling.probe", str(RACE_ROUNDS)], env
        )
        for n in (1, 2)
    ]
    for round_number in range(RACE_ROUNDS):
        due = timezone.now() - timedelta(seconds=10 + round_number)  # a slot of its own
        Schedule.objects.filter(name="scale-check probe").update(next_run=due)
        queue.rpush("scale:go", 1, 1)
        for _ in drivers:
            if queue.blpop("scale:done", timeout=30) is None:
                return [f"a scheduler process did not finish round {round_number}"]
    connection.close()
    say(f"{RACE_ROUNDS} rounds of two schedulers racing on the due probe schedule")

    slots = wait_for(
        lambda: (s := queue.smembers("scale:probe:slots")) and len(s) >= RACE_ROUNDS and s,
        timeout=30,
        what=f"{RACE_ROUNDS} probe runs",
    )
    time.sleep(2)  # a duplicate run would land now
    counts = {slot.decode(): int(queue.get(f"scale:probe:{slot.decode()}")) for slot in slots}
    failures = [
        f"probe slot {slot} ran {count} times" for slot, count in counts.items() if count != 1
    ]
    say(f"{len(counts)} probe slots ran, each {'once' if not failures else 'NOT once'}")
    failures += check_mail(temporary / "maildir", references, people["agent"])
    failed = list(Task.objects.filter(success=False).values_list("func", "result"))
    failures += [f"task {func} failed: {str(result)[:200]}" for func, result in failed]
    duplicated = Schedule.objects.values("name").order_by().annotate(n=Count("id"))
    failures += [f"schedule {row['name']} twice" for row in duplicated if row["n"] > 1]
    connection.close()
    return failures


def check_files_cross_web(references, webs) -> int:
    from tickets.models import Attachment

    downloads = 0
    for attachment in Attachment.objects.select_related("ticket"):
        reference = f"PT-{attachment.ticket_id}"
        _email, uploaded_on, portal = references[reference]
        other = webs[1] if uploaded_on == webs[0] else webs[0]
        url = f"{other}/tickets/{reference}/files/{attachment.pk}/{attachment.original_name}"
        status, _headers, body = portal.request(url)
        if status != 200 or hashlib.sha256(body).hexdigest() != attachment.sha256:
            raise AssertionError(f"{url}: HTTP {status}, or not the uploaded bytes")
        downloads += 1
    if downloads != CUSTOMERS:
        raise AssertionError(f"{downloads} attachments, expected {CUSTOMERS}")
    return downloads


def check_mail(maildir: Path, references: dict, agent: str) -> list[str]:
    expected = {(requester, reference) for reference, (requester, *_rest) in references.items()}
    expected |= {(agent, reference) for reference in references}

    def received():
        found = {}
        for message in mails(maildir):
            match = re.search(
                r"\[(PT-\d+)\]",
                str(email.header.make_header(email.header.decode_header(message["Subject"]))),
            )
            for recipient in message["X-RcptTo"].split(", "):
                key = (recipient, match.group(1) if match else message["Subject"])
                found[key] = found.get(key, 0) + 1
        return found

    try:
        wait_for(lambda: expected <= set(received()), timeout=60, what="every filing's e-mails")
    except AssertionError:
        missing = sorted(expected - set(received()))
        return [f"{len(missing)} e-mails never arrived, e.g. {missing[:5]}"]
    time.sleep(3)  # a second copy would arrive now
    found = received()
    say(f"{sum(found.values())} e-mails through SMTP for {len(references)} filings")
    # Who else hears about a new request is the notifications' business; twice is never right.
    return [f"{key} arrived {count} times" for key, count in found.items() if count > 1]


if __name__ == "__main__":
    sys.exit(main())
