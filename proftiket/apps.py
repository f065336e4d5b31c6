from django.apps import AppConfig


class ProftiketConfig(AppConfig):
    name = "proftiket"
    verbose_name = "ProfTicket"

    def ready(self):
        from proftiket import sqlite

        sqlite.install()
