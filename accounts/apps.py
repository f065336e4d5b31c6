from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from accounts import roles

        # Permissions of apps added later only exist after their migrations ran, so the
        # role groups are brought up to date after every migrate (idempotent).
        post_migrate.connect(roles.sync_groups_after_migrate, sender=self)
