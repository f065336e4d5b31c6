"""django-q2 entry points: a few lines each, calling the lifecycle and the SLA monitor.

Each takes `now` (None: the current time) so tests and `manage.py autoclose --now` control it.
"""

import logging

from django.utils import timezone

from tickets import lifecycle, outbox
from tickets import sla_monitor as monitor  # `sla_monitor` is the job's name here
from tickets.lifecycle import assignment

logger = logging.getLogger(__name__)


def auto_close(now=None) -> dict:
    """Remind customers before the automatic closing, then close what is due."""
    now = now or timezone.now()
    reminded = lifecycle.send_auto_close_reminders(now=now)
    closed = lifecycle.auto_close_due(now=now)
    if reminded or closed:
        logger.info("auto-close: %d reminded, %d closed", len(reminded), len(closed))
    return {"reminded": len(reminded), "closed": len(closed)}


def sla_monitor(now=None) -> dict:
    """Breaches, at-risk warnings and escalations of unassigned critical requests."""
    result = monitor.run(now=now)
    return vars(result)


def sweep_outbox(now=None) -> dict:
    """Dispatch the history entries whose notification task was lost (tickets.outbox)."""
    return vars(outbox.sweep(now=now))


def settle_report_days(now=None) -> dict:
    """Sum the requests closed since the last run into the reports' daily table."""
    from tickets.reports import daily  # the reports package is heavy: imported when it runs

    return {"rows": daily.settle(now=now)}


def assign_waiting(now=None) -> dict:
    """Automatic assignment of the new requests waiting for an agent on duty (plans with a rule)."""
    assigned = assignment.assign_all_waiting(now=now)
    if assigned:
        logger.info("automatic assignment: %d requests assigned", assigned)
    return {"assigned": assigned}


def poll_mailboxes(now=None) -> dict:
    """Queue a poll of each mailbox that is due (tickets.mail_intake.polling)."""
    from tickets.mail_intake import polling

    return {"queued": len(polling.poll_due(now=now))}


def poll_mailbox(mailbox_id: int, now=None) -> dict:
    """Read one mailbox's new messages; one failing mailbox never holds up another."""
    from tickets.mail_intake import polling

    result = polling.poll(mailbox_id, now=now)
    return vars(result) if result else {}
