"""The agent console (expanded by the console issue): requests in the Django admin."""

from django.contrib import admin

from tickets.models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "organization",
        "type",
        "priority",
        "status",
        "assignee",
    ]
    list_select_related = ["organization", "assignee"]
    readonly_fields = ["status", "close_reason", "version"]
    search_fields = ["subject"]

    @admin.display(description="ID", ordering="pk")
    def reference(self, obj):
        return obj.reference
