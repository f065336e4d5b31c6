from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    """Incoming e-mail: the mailboxes polled and what came in (logic in tickets.mail_intake)."""

    name = "inbound"
    verbose_name = _("Incoming e-mail")
