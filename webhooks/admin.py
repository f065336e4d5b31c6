"""Webhooks in the console: support's global ones and every organisation's, with the log."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from webhooks import sending
from webhooks.forms import WebhookForm
from webhooks.models import Webhook, WebhookDelivery


class AdminWebhookForm(WebhookForm):
    class Meta(WebhookForm.Meta):
        fields = ["organization", "url", "events", "is_active"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = AdminWebhookForm
    list_display = ["url", "organization", "get_events_display", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["organization"]
    search_fields = ["url", "organization__name"]
    readonly_fields = ["secret", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "webhook",
        "event_type",
        "state",
        "attempts",
        "response_code",
        "next_attempt_at",
        "error",
    ]
    list_filter = ["state", "event_type"]
    list_select_related = ["webhook"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["send_selected_again"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again"), permissions=["view"])
    def send_selected_again(self, request, queryset):
        count = 0
        for delivery in queryset.select_related("webhook").filter(webhook__is_active=True)[:100]:
            sending.send_again(delivery)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d delivery sent again.", "%(n)d deliveries sent again.", count)
            % {"n": count},
        )
