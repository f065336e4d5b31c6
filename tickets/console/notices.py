"""Status notices in the console: supervisors publish "Known problem: …" for the portal."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StatusNoticeForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        everyone, organizations = data.get("everyone"), data.get("organizations")
        if not everyone and not organizations:
            raise forms.ValidationError(
                _("Choose the affected organisations, or tick “all organisations”.")
            )
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must come after the start."))
        return data


class StatusNoticeAdmin(admin.ModelAdmin):
    form = StatusNoticeForm
    list_display = ["text_ru", "audience", "starts_at", "ends_at", "in_force"]
    list_select_related = ["incident"]
    fields = ["text_ru", "text_en", "everyone", "organizations", "starts_at", "ends_at", "incident"]
    filter_horizontal = ["organizations"]
    raw_id_fields = ["incident"]
    ordering = ["-starts_at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organizations")

    @admin.display(description=_("shown to"))
    def audience(self, obj):
        if obj.everyone:
            return _("all organisations")
        return ", ".join(o.name for o in obj.organizations.all())

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, obj):
        now = timezone.now()
        return obj.starts_at <= now and (obj.ends_at is None or now < obj.ends_at)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
