from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tickets import lifecycle


class Command(BaseCommand):
    help = (
        "Close resolved requests the customer has not answered within the plan's period "
        "(10 working days by default), after sending the reminders that are due."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what would happen.")
        parser.add_argument(
            "--now",
            help="Pretend it is this moment (ISO 8601, e.g. 2027-01-20T00:00 in TIME_ZONE), "
            "to see what a later run will do.",
        )

    def handle(self, *args, dry_run=False, now=None, **options):
        moment = self._parse(now) if now else timezone.now()
        self.stdout.write(f"now: {timezone.localtime(moment):%Y-%m-%d %H:%M %Z}")
        due = lifecycle.auto_close_candidates(now=moment).order_by("auto_close_at", "pk")
        if dry_run:
            rows = list(due.values_list("pk", "subject", "auto_close_at"))
            for pk, subject, closes_at in rows:
                self.stdout.write(
                    f"would close PT-{pk} ({subject}), due {closes_at:%Y-%m-%d %H:%M}"
                )
            self.stdout.write(f"{len(rows)} request(s) would be closed.")
            return
        reminded = lifecycle.send_auto_close_reminders(now=moment)
        closed = lifecycle.auto_close_due(now=moment)
        for pk in reminded:
            self.stdout.write(f"reminded PT-{pk}")
        for pk in closed:
            self.stdout.write(f"closed PT-{pk}")
        self.stdout.write(f"{len(reminded)} reminder(s) sent, {len(closed)} request(s) closed.")

    def _parse(self, text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as error:
            raise CommandError(f"--now: not an ISO 8601 date or time: {text}") from error
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
