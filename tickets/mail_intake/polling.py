"""The IMAP side: each active mailbox is read by its own task, one failing never blocks another.

`poll_due()` (the django-q2 schedule, every minute) queues `poll(mailbox_id)` for each active
mailbox whose time has come. A poll takes a lease on its mailbox (a guarded UPDATE), so two
workers never read one mailbox at once, and reads the unread messages of its folder: each is
processed (tickets.mail_intake.acting, once per Message-ID) and then marked read or moved.
A mailbox that cannot be reached or refuses the login is retried with a growing pause
(inbound.Mailbox.backoff: 1, 2, 4 … minutes, at most an hour) and shown as failing in the
console and /healthz until a poll succeeds again.
"""

import imaplib
import logging
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError

from inbound.models import Mailbox
from tickets.mail_intake import acting

logger = logging.getLogger(__name__)
BATCH = 200  # messages per poll: the rest come at the next one
TIMEOUT = 20  # seconds for the connection and each command
LEASE = timedelta(minutes=5)
MARK_EVERY = 50  # messages fetched, then marked read or moved, per IMAP command
# A poll's share of a django-q2 task's timeout (60 s): what is left waits for the next minute.
BUDGET = timedelta(seconds=40)
CONNECTION_ERRORS = (ImapToolsError, imaplib.IMAP4.error, OSError, socket.timeout, ssl.SSLError)


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    processed: int = 0  # new messages (duplicates not counted)
    outcomes: dict = field(default_factory=dict)
    error: str = ""


def poll_due(*, now=None) -> list[int]:
    """Queue a poll of every active mailbox that is due; their ids."""
    now = now or timezone.now()
    due = Mailbox.objects.filter(is_active=True).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )
    ids = list(due.values_list("pk", flat=True))
    for mailbox_id in ids:
        async_task(
            "tickets.jobs.poll_mailbox", mailbox_id, task_name=f"mailbox:{mailbox_id}", save=False
        )
    return ids


def _connect(mailbox: Mailbox):
    if mailbox.security == Mailbox.Security.SSL:
        client = MailBox(mailbox.host, mailbox.port, timeout=TIMEOUT)
    elif mailbox.security == Mailbox.Security.STARTTLS:
        client = MailBoxStartTls(mailbox.host, mailbox.port, timeout=TIMEOUT)
    else:
        client = MailBoxUnencrypted(mailbox.host, mailbox.port, timeout=TIMEOUT)
    return client.login(mailbox.username, mailbox.password(), initial_folder=mailbox.folder)


def _take_lease(mailbox: Mailbox, now) -> bool:
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return bool(Mailbox.objects.filter(free, pk=mailbox.pk).update(lease_until=now + LEASE))


def poll(
    mailbox_id: int, *, now=None, batch: int = BATCH, budget: timedelta = BUDGET
) -> PollResult | None:
    """Read one mailbox's new messages; None if it is inactive or another poll holds it."""
    now = now or timezone.now()
    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).first()
    if mailbox is None or not _take_lease(mailbox, now):
        return None
    result = PollResult(mailbox=mailbox.name)
    try:
        with _connect(mailbox) as client:
            _read(client, mailbox, result, batch=batch, budget=budget)
    except CONNECTION_ERRORS as error:
        result.error = f"{type(error).__name__}: {error}"[:2000] or type(error).__name__
        _failed(mailbox, result.error, now=now)
        return result
    finally:
        Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=None)
    _succeeded(mailbox, now=now)
    return result


def _read(client, mailbox: Mailbox, result: PollResult, *, batch: int, budget: timedelta) -> None:
    deadline = time.monotonic() + budget.total_seconds()
    moving = mailbox.after_processing == Mailbox.AfterProcessing.MOVE and mailbox.processed_folder
    if moving and not client.folder.exists(mailbox.processed_folder):
        client.folder.create(mailbox.processed_folder)
    done = []
    for message in client.fetch(AND(seen=False), mark_seen=False, limit=batch, bulk=MARK_EVERY):
        result.fetched += 1
        record = acting.process(message.obj.as_bytes(), mailbox=mailbox)
        if record is not None:
            result.processed += 1
            result.outcomes[record.outcome] = result.outcomes.get(record.outcome, 0) + 1
        done.append(message.uid)
        if time.monotonic() > deadline:
            break
        if len(done) >= MARK_EVERY:
            _mark(client, done, moving=moving, folder=mailbox.processed_folder)
            done = []
    _mark(client, done, moving=moving, folder=mailbox.processed_folder)


def _mark(client, uids: list[str], *, moving: bool, folder: str) -> None:
    """Processed messages are marked read (and moved), a few dozen per command. Only once
    processed: a poll cut off before reads them again, and their Message-IDs keep them from
    being added twice."""
    if not uids:
        return
    client.flag(uids, MailMessageFlags.SEEN, True)
    if moving:
        client.move(uids, folder)


def _failed(mailbox: Mailbox, error: str, *, now) -> None:
    failures = mailbox.failures + 1
    Mailbox.objects.filter(pk=mailbox.pk).update(
        failures=failures,
        failing_since=mailbox.failing_since or now,
        last_error=error,
        last_polled_at=now,
        next_poll_at=now + Mailbox.backoff(failures),
    )
    logger.warning("mailbox %s failed (%d in a row): %s", mailbox.name, failures, error)


def _succeeded(mailbox: Mailbox, *, now) -> None:
    if mailbox.failures:
        logger.info("mailbox %s works again", mailbox.name)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        failures=0,
        failing_since=None,
        last_error="",
        last_polled_at=now,
        last_success_at=now,
        next_poll_at=None,
    )
