"""Every scheduled job of ProfTicket, declared once; `manage.py setup_schedules` applies them."""

from dataclasses import dataclass

from django_q.models import Schedule


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    minutes: int


SCHEDULES = [
    Job("proftiket: SLA monitoring", "tickets.jobs.sla_monitor", minutes=1),
    Job("proftiket: auto-close and reminders", "tickets.jobs.auto_close", minutes=10),
    Job("proftiket: notifications left behind", "tickets.jobs.sweep_outbox", minutes=1),
    Job("proftiket: automatic assignment", "tickets.jobs.assign_waiting", minutes=1),
    Job("proftiket: incoming e-mail", "tickets.jobs.poll_mailboxes", minutes=1),
    Job("proftiket: webhook retries", "webhooks.sending.send_due", minutes=1),
    Job("proftiket: report days", "tickets.jobs.settle_report_days", minutes=10),
    Job("proftiket: old API idempotency keys", "tickets.api.idempotency.forget_old", minutes=60),
]


def sync_schedules() -> list[tuple[str, bool]]:
    """Create or update each schedule by name; remove duplicates. Returns (name, created)."""
    result = []
    for job in SCHEDULES:
        existing = list(Schedule.objects.filter(name=job.name).order_by("pk"))
        schedule = existing[0] if existing else Schedule(name=job.name)
        for duplicate in existing[1:]:
            duplicate.delete()
        schedule.func = job.func
        schedule.schedule_type = Schedule.MINUTES
        schedule.minutes = job.minutes
        schedule.repeats = -1
        schedule.save()
        result.append((job.name, not existing))
    return result
