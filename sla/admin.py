"""Supervisors manage calendars, plans and contracts here (thin: rules live in the models)."""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla.models import (
    BusinessCalendar,
    CalendarDay,
    Contract,
    PlanTarget,
    SupportPlan,
    WeeklyHours,
    WorkingDayOverride,
)


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "updated_at"]
    inlines = [WeeklyHoursInline, CalendarDayInline]


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


class PlanTargetInline(admin.TabularInline):
    model = PlanTarget
    extra = 0
    min_num = 1


class SupportPlanForm(forms.ModelForm):
    covered_types = forms.MultipleChoiceField(
        label=_("request types covered"),
        widget=forms.CheckboxSelectMultiple,
        choices=[],
        required=False,
    )

    class Meta:
        model = SupportPlan
        fields = [
            "name",
            "description",
            "covered_types",
            "calendar",
            "auto_close_working_days",
            "auto_assignment",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The request types are the requests app's: sla names that model by its label only,
        # as Breach's foreign key does, and never imports the tickets code.
        request_model = apps.get_model("tickets", "Ticket")
        self.fields["covered_types"].choices = request_model.Type.choices


@admin.register(SupportPlan)
class SupportPlanAdmin(admin.ModelAdmin):
    form = SupportPlanForm
    list_display = ["name", "calendar", "auto_close_working_days", "auto_assignment"]
    list_select_related = ["calendar"]
    inlines = [PlanTargetInline]


class ContractStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("in force today")), ("inactive", _("not in force"))]

    def queryset(self, request, queryset):
        active = Contract.objects.active_on(timezone.localdate()).values("pk")
        if self.value() == "active":
            return queryset.filter(pk__in=active)
        if self.value() == "inactive":
            return queryset.exclude(pk__in=active)
        return queryset


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["number", "organization", "plan", "starts_on", "ends_on"]
    list_filter = [ContractStateFilter, "plan"]
    list_select_related = ["organization", "plan"]
    search_fields = ["number", "organization__name"]
    autocomplete_fields = ["organization"]
    date_hierarchy = "starts_on"
