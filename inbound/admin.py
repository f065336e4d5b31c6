"""The mailboxes in the console: configured by administrators, failing ones stand out."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from inbound.models import InboundMessage, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "username", "host", "folder", "is_active", "state", "last_success_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "username", "host"]
    readonly_fields = [
        "state",
        "last_polled_at",
        "last_success_at",
        "failing_since",
        "last_error",
        "next_poll_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "is_active"]}),
        (
            _("Server"),
            {"fields": ["host", "port", "security", "username", "password_env", "folder"]},
        ),
        (_("Processed messages"), {"fields": ["after_processing", "processed_folder"]}),
        (
            _("State"),
            {
                "fields": [
                    "state",
                    "last_polled_at",
                    "last_success_at",
                    "failing_since",
                    "last_error",
                    "next_poll_at",
                ]
            },
        ),
    ]
    actions = ["retry_now"]

    @admin.display(description=_("state"))
    def state(self, mailbox):
        if not mailbox.is_active:
            return _("not polled")
        if mailbox.is_failing:
            return format_html(
                '<strong class="errornote" title="{}">{}</strong>',
                mailbox.last_error[:300],
                ngettext(
                    "failing: %(count)d attempt", "failing: %(count)d attempts", mailbox.failures
                )
                % {"count": mailbox.failures},
            )
        return _("working")

    @admin.action(description=_("Retry the selected mailboxes at the next poll"))
    def retry_now(self, request, queryset):
        count = queryset.update(next_poll_at=None, lease_until=None)
        self.message_user(
            request,
            ngettext(
                "%(count)d mailbox will be polled within a minute.",
                "%(count)d mailboxes will be polled within a minute.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "ticket", "mailbox"]
    list_filter = ["outcome", "mailbox"]
    search_fields = ["sender", "subject", "message_id"]
    list_select_related = ["ticket", "mailbox"]
    date_hierarchy = "received_at"
    readonly_fields = [
        "received_at",
        "mailbox",
        "message_id",
        "sender",
        "subject",
        "outcome",
        "ticket",
        "comment",
        "note",
    ]
    fields = readonly_fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
