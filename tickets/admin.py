"""Registers the agent console (tickets/console/) on the admin site."""

from django.contrib import admin

from tickets.console.queue import QueueAdmin
from tickets.console.request_page import RequestPageMixin
from tickets.models import Ticket


@admin.register(Ticket)
class TicketAdmin(RequestPageMixin, QueueAdmin):
    """The queue of requests and the page of one request."""
