from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    # Not "Requests": that is the model, and the breadcrumb would say it twice.
    verbose_name = _("Request desk")
