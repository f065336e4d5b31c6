from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from proftiket import demo


class Command(BaseCommand):
    help = "Create or refresh the demo organisations, users and requests (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (demo logins have a published password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: the demo accounts have a published "
                "password. Use --force if this really is a demo installation."
            )
        users = demo.seed()
        self.stdout.write(
            self.style.SUCCESS(_("Demo data is ready. Logins (password: %s):") % demo.DEMO_PASSWORD)
        )
        for user in users:
            where = user.organization or "ProfTicket"
            self.stdout.write(f"  {user.email:<24} {user.role:<17} {where}")
