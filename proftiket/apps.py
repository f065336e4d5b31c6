from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ProftiketConfig(AppConfig):
    default = True  # this module holds a second AppConfig (the admin's)
    name = "proftiket"
    verbose_name = "ProfTicket"

    def ready(self):
        from proftiket import sqlite

        sqlite.install()


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the console's own default site (see admin_site.py)."""

    default = False

    default_site = "proftiket.admin_site.ConsoleAdminSite"
