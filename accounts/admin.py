"""Back-office pages for organisations and users (thin: rules live in accounts.services)."""

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services, token_admin  # noqa: F401  (token_admin registers itself)
from accounts.models import Organization, Role, User
from sla.models import Contract


class OrganizationUserInline(admin.TabularInline):
    model = User
    fields = ["email", "full_name", "role", "is_active", "last_login"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ContractInForceFilter(admin.SimpleListFilter):
    title = _("contract in force")
    parameter_name = "contract"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No: cannot file requests"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(has_contract=self.value() == "yes")
        return queryset


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "short_name",
        "tax_number",
        "contact_email",
        "is_active",
        "has_contract",
        "user_count",
    ]
    list_filter = ["is_active", ContractInForceFilter]
    search_fields = ["name", "short_name", "tax_number", "contact_email"]
    inlines = [OrganizationUserInline]

    def get_queryset(self, request):
        in_force = Contract.objects.active_on(timezone.localdate()).filter(
            organization=OuterRef("pk")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(user_count=Count("users"), has_contract=Exists(in_force))
        )

    @admin.display(description=_("users"), ordering="user_count")
    def user_count(self, obj):
        return obj.user_count

    @admin.display(description=_("contract in force"), boolean=True, ordering="has_contract")
    def has_contract(self, obj):
        # Flagged (a red cross) when the organisation's users cannot file requests.
        return obj.has_contract

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: requests and history must stay


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "organization", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "organization"]
    list_select_related = ["organization"]
    search_fields = ["email", "full_name", "phone", "organization__name"]
    ordering = ["full_name"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "phone", "language"]}),
        (_("Role"), {"fields": ["role", "organization", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    actions = ["resend_invitation"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [
                (value, label)
                for value, label in Role.choices
                if services.can_manage_user(request.user, None, value)
                or value in {Role.CUSTOMER, Role.CUSTOMER_MANAGER}
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None:
            # A supervisor may not edit an administrator or another supervisor (or grant more).
            return services.can_manage_user(request.user, obj.organization, obj.role)
        return allowed

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: their requests and messages stay

    def save_model(self, request, obj, form, change):
        if change and "role" in form.changed_data:
            services.set_role(obj, role=obj.role, actor=request.user)  # saves the rest too
            return
        if change:
            if "is_active" in form.changed_data:
                # Recorded, so that a customer manager cannot undo what support decided.
                obj.deactivated_by = None if obj.is_active else request.user
            super().save_model(request, obj, form, change)
            return
        invited = services.invite_user(
            email=obj.email,
            full_name=obj.full_name,
            organization=obj.organization,
            role=obj.role,
            language=obj.language,
            phone=obj.phone,
            invited_by=request.user,
        )
        obj.pk = invited.pk
        messages.info(
            request,
            _("An invitation to set a password was sent to %(email)s.") % {"email": invited.email},
        )

    @admin.action(description=_("Send the invitation e-mail again"), permissions=["change"])
    def resend_invitation(self, request, queryset):
        sent = 0
        for user in queryset:
            if services.can_manage_user(request.user, user.organization, user.role):
                services.send_invitation(user, invited_by=request.user)
                sent += 1
        self.message_user(
            request,
            ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent)
            % {"count": sent},
        )
