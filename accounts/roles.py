"""Roles as Django groups: which model permissions each staff role has in the admin.

Customers work only in the portal, where access follows their role and organisation;
their groups carry no admin permissions. Administrators are superusers.
"""

from django.db import DEFAULT_DB_ALIAS

from accounts.models import Role

_WORK_REQUESTS = [
    "tickets.view_ticket",
    "tickets.change_ticket",
    "tickets.add_ticket",
    "tickets.view_comment",
    "tickets.add_comment",
    "tickets.view_attachment",
    "tickets.add_attachment",
    "tickets.view_ticketevent",
    "tickets.view_cannedreply",
    "tickets.view_statusnotice",
    "accounts.view_organization",
    "accounts.view_user",
    "sla.view_supportplan",
    "sla.view_contract",
    "sla.view_businesscalendar",
]

_SUPERVISE = [
    "accounts.add_organization",
    "accounts.change_organization",
    "accounts.add_user",
    "accounts.change_user",
    "sla.add_supportplan",
    "sla.change_supportplan",
    "sla.add_contract",
    "sla.change_contract",
    "sla.add_businesscalendar",
    "sla.change_businesscalendar",
    "sla.add_workingdayoverride",
    "sla.change_workingdayoverride",
    "sla.delete_workingdayoverride",
    "sla.view_workingdayoverride",
    "tickets.assign_others",
    "accounts.add_apitoken",
    "accounts.change_apitoken",
    "accounts.view_apitoken",
    "webhooks.add_webhook",
    "webhooks.change_webhook",
    "webhooks.view_webhook",
    "webhooks.view_webhookdelivery",
    "tickets.view_reports",
    "tickets.add_cannedreply",
    "tickets.change_cannedreply",
    "tickets.delete_cannedreply",
    "tickets.run_major_incidents",
    "tickets.add_statusnotice",
    "tickets.change_statusnotice",
    "tickets.delete_statusnotice",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CUSTOMER: [],
    Role.CUSTOMER_MANAGER: [],
    Role.AGENT: _WORK_REQUESTS,
    Role.SUPERVISOR: _WORK_REQUESTS + _SUPERVISE,
    Role.ADMINISTRATOR: [],  # superuser: everything
}


def group_name(role: str) -> str:
    """The name of the Django group that backs a role."""
    return f"role:{role}"


def sync_groups(apps=None, using=DEFAULT_DB_ALIAS):
    """Create the role groups and set their permissions; safe to run any number of times."""
    if apps is None:
        from django.apps import apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=group_name(role))
        pairs = [code.split(".", 1) for code in wanted]
        permissions = [
            p
            for p in permission_model.objects.using(using).select_related("content_type")
            if [p.content_type.app_label, p.codename] in pairs
        ]
        group.permissions.set(permissions)


def sync_groups_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate hook: create every app's permissions, then bring the groups up to date."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    # Django creates permissions app by app in this same signal; apps after ours
    # would not have theirs yet, so create them all first (it is idempotent).
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_groups(using=using)


def apply_role_groups(user) -> None:
    """Make the user a member of exactly their role's group."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=group_name(user.role))
    user.groups.set([group])
