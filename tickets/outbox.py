"""The outbox: every history entry that someone must hear about is dispatched, and only once.

The history entry (TicketEvent) is the outbox row: `notified_at` stays empty until every
channel is done with it. The lifecycle writes the entry and asks for its dispatch (`publish`)
in the same transaction:

- with django-q2's database broker (the default; the same database) the dispatch task is
  queued INSIDE that transaction, so the change and its notification commit together;
- with Redis (REDIS_URL), or django-q2's sync mode, the task is queued once the transaction
  has committed, since it cannot join a database transaction;
- whatever was lost in between (the process died right after COMMIT, Redis restarted, a task
  gave up after its retries) is found by the sweeper (`sweep`, a django-q2 schedule every
  minute): entries still pending OUTBOX_SWEEP_AFTER after they were written. Entries still
  pending after OUTBOX_GIVE_UP_AFTER are given up (logged), so a broken one cannot pile up.

`dispatch` hands the pending entries to each channel of settings.OUTBOX_CHANNELS in turn
(dotted paths of channel objects) and marks done those that every channel has finished.
django-q2 delivers a task at least once and the sweeper may meet a slow task, so a channel
must be idempotent on its own marker per (entry, target), written in the transaction that
performs the effect. A channel is any object with:

    name: str                          # the `channel` of its markers (tickets.models.Delivery)
    wants(event) -> bool               # asked when the entry is written: no queries
    deliver(events) -> Iterable[int]   # ids of the entries it has finished with; the others
                                       # stay pending and come back later; never sends twice

E-mail is the first channel (tickets.notifications.EMAIL: who gets which e-mail, over one
SMTP connection per dispatch). Another one (webhooks, say) is a class of that shape added to
OUTBOX_CHANNELS: it is dispatched in the same pass, with its own (entry, endpoint) markers.
"""

import logging
import time
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, partial

from django.conf import settings
from django.db import router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.tasks import async_task

from tickets.models import TicketEvent

logger = logging.getLogger(__name__)

# Entries per dispatch task when a job writes many at once (auto-closing, SLA breaches).
TASK_EVENTS = 50
SWEEP_BATCH = 50
# The sweeper's share of a django-q2 task's timeout (60 s).
SWEEP_BUDGET = timedelta(seconds=40)
GIVE_UP_BATCH = 10_000

_muted: ContextVar[bool] = ContextVar("outbox_muted", default=False)


@contextmanager
def muted():
    """Nothing is dispatched for what happens inside (demo data: nobody is there to read it)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def channels() -> list:
    """The channel objects of settings.OUTBOX_CHANNELS, in order."""
    return _load_channels(tuple(settings.OUTBOX_CHANNELS))


@cache
def _load_channels(paths: tuple[str, ...]) -> list:
    return [import_string(path) for path in paths]


def stamp(event: TicketEvent) -> TicketEvent:
    """Before the entry is saved: done at once (`notified_at` set) if no channel wants it."""
    if _muted.get() or not any(channel.wants(event) for channel in channels()):
        event.notified_at = event.created_at
    return event


def publish(events: Sequence[TicketEvent]) -> None:
    """Queue the dispatch of these just-written entries, in this transaction if possible."""
    ids = [event.pk for event in events if event.notified_at is None]
    for start in range(0, len(ids), TASK_EVENTS):
        chunk = ids[start : start + TASK_EVENTS]
        if queue_joins_the_transaction():
            _enqueue(chunk, transactional=True)
        else:
            # robust: the change is committed; a failure to queue (or, in sync mode, to send)
            # is logged and left to the sweeper, never turned into an error for the user.
            transaction.on_commit(partial(_enqueue, chunk), robust=True)


def queue_joins_the_transaction() -> bool:
    """True with django-q2's database broker on the database the history is written to."""
    q_cluster = settings.Q_CLUSTER
    return (
        not q_cluster.get("sync")
        and "redis" not in q_cluster
        and q_cluster.get("orm") == router.db_for_write(TicketEvent)
    )


def _enqueue(event_ids: list[int], *, transactional: bool = False) -> None:
    options = {}
    if transactional:
        from django_q.brokers.orm import ORM
        from django_q.conf import Conf

        # Explicitly the database broker, never run inline: the row joins the transaction.
        options = {"sync": False, "broker": ORM(list_key=Conf.CLUSTER_NAME)}
    suffix = "+" if len(event_ids) > 1 else ""
    async_task(
        "tickets.outbox.dispatch",
        event_ids,
        task_name=f"outbox:{event_ids[0]}{suffix}",
        # The bulk of all tasks: a success leaves no result row (a failure does, with its
        # attempts); the Delivery rows say what was sent.
        save=False,
        **options,
    )


class DispatchIncomplete(Exception):
    """Some entries wait for a channel (the mail server is down): django-q2 retries the task."""


def dispatch(event_ids: Sequence[int]) -> int:
    """django-q2 task: dispatch these entries; raises if some must wait, so that q2 retries."""
    done, waiting = dispatch_now(event_ids)
    if waiting:
        raise DispatchIncomplete(
            f"{len(waiting)} history entries wait for a channel: {waiting[:20]}"
        )
    return len(done)


def dispatch_now(event_ids: Sequence[int], *, now=None) -> tuple[list[int], list[int]]:
    """Hand the pending ones of these entries to every channel; (done, still waiting) ids."""
    events = list(
        TicketEvent.objects.filter(pk__in=list(event_ids), notified_at__isnull=True)
        .select_related("ticket__organization", "ticket__requester", "ticket__assignee")
        .select_related("actor", "comment")
        .order_by("pk")
    )
    if not events:
        return [], []
    finished = {event.pk for event in events}
    for channel in channels():
        try:
            finished &= set(channel.deliver(events))
        except Exception:
            # One channel's failure must not hold up the others; its entries stay pending.
            logger.exception("outbox channel %s failed on entries %s", channel.name, event_ids)
            finished = set()
    mark_done(finished, now=now or timezone.now())
    waiting = [event.pk for event in events if event.pk not in finished]
    return sorted(finished), waiting


def mark_done(event_ids, *, now) -> None:
    """Every channel has finished with these entries."""
    if event_ids:
        TicketEvent.objects.filter(pk__in=event_ids, notified_at__isnull=True).update(
            notified_at=now
        )


@dataclass
class SweepResult:
    dispatched: int = 0
    waiting: int = 0
    given_up: int = 0


def sweep(*, now=None, budget: timedelta = SWEEP_BUDGET) -> SweepResult:
    """Dispatch the entries whose task was lost, oldest first; give up on the too old ones.

    Set-based over the partial index of pending entries; stops when the time budget is spent
    or when a whole batch waits (a channel is down: the next run tries again).
    """
    now = now or timezone.now()
    result = SweepResult(given_up=_give_up(older_than=now - settings.OUTBOX_GIVE_UP_AFTER, now=now))
    due = TicketEvent.objects.filter(
        notified_at__isnull=True,
        created_at__lte=now - settings.OUTBOX_SWEEP_AFTER,
        created_at__gt=now - settings.OUTBOX_GIVE_UP_AFTER,
    ).order_by("created_at", "pk")
    deadline = time.monotonic() + budget.total_seconds()
    after = Q()
    while time.monotonic() < deadline:
        batch = list(due.filter(after).values_list("created_at", "pk")[:SWEEP_BATCH])
        if not batch:
            break
        done, waiting = dispatch_now([pk for _at, pk in batch], now=now)
        result.dispatched += len(done)
        result.waiting += len(waiting)
        if waiting and not done:
            break
        last_at, last_pk = batch[-1]
        after = Q(created_at__gt=last_at) | Q(created_at=last_at, pk__gt=last_pk)
    if result.dispatched or result.waiting:
        logger.warning(
            "outbox sweep: %d history entries dispatched late, %d still waiting",
            result.dispatched,
            result.waiting,
        )
    return result


def _give_up(*, older_than, now) -> int:
    stale = list(
        TicketEvent.objects.filter(notified_at__isnull=True, created_at__lte=older_than)
        .order_by("created_at")
        .values_list("pk", "kind", "is_public")[:GIVE_UP_BATCH]
    )
    if not stale:
        return 0
    TicketEvent.objects.filter(pk__in=[pk for pk, *_ in stale], notified_at__isnull=True).update(
        notified_at=now
    )
    wanted = [
        pk
        for pk, kind, is_public in stale
        if any(c.wants(TicketEvent(pk=pk, kind=kind, is_public=is_public)) for c in channels())
    ]
    if wanted:
        logger.warning(
            "outbox: gave up on %d history entries never dispatched in %s, e.g. %s",
            len(wanted),
            settings.OUTBOX_GIVE_UP_AFTER,
            wanted[:20],
        )
    return len(stale)
