"""Registers the agent console (tickets/console/) on the admin site."""

from django.contrib import admin

from tickets.console.canned import CannedReplyAdmin
from tickets.console.notices import StatusNoticeAdmin
from tickets.console.queue import QueueAdmin
from tickets.console.request_views import RequestViewsMixin
from tickets.models import CannedReply, StatusNotice, Ticket


@admin.register(Ticket)
class TicketAdmin(RequestViewsMixin, QueueAdmin):
    """The queue of requests, and the workspace of one request."""


admin.site.register(CannedReply, CannedReplyAdmin)
admin.site.register(StatusNotice, StatusNoticeAdmin)
