from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Requests")

    def ready(self):
        from tickets import notices  # noqa: F401  (its signal handlers drop the cached banner)
