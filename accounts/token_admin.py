"""API tokens in the console: staff make them for any user (shown once) and revoke them."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import tokens
from accounts.models import ApiToken


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "user", "scope", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "user",
        "organization",
        "scope",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__email", "organization__name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user"]
    actions = ["revoke_tokens"]
    readonly_fields = [
        "name",
        "user",
        "organization",
        "prefix",
        "scope",
        "expires_at",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj else ApiTokenAddForm.Meta.fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the history names tokens

    def save_model(self, request, obj, form, change):
        if change:
            return
        raw = tokens.issue(obj, created_by=request.user)
        self.message_user(
            request,
            _("The token (copy it now, it is not shown again): %(raw)s") % {"raw": raw},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token)
            count += 1
        self.message_user(
            request, ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count}
        )
