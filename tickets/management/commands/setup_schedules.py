from django.core.management.base import BaseCommand

from tickets.schedules import sync_schedules


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules of ProfTicket (idempotent; run after migrate)."

    def handle(self, *args, **options):
        for name, created in sync_schedules():
            self.stdout.write(f"{'created' if created else 'up to date'}: {name}")
