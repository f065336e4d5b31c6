"""Account actions: inviting users, giving them a role, (de)activating them, with the rules
of who may."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import roles
from accounts.models import CUSTOMER_ROLES, Organization, Role, User
from proftiket.mail import queue_mail


def can_manage_user(actor: User, target_organization: Organization | None, role: str) -> bool:
    """May `actor` create or change a user with this organisation and role?"""
    if actor.role == Role.ADMINISTRATOR:
        return True
    if actor.role == Role.SUPERVISOR:
        # Supervisors manage customers and agents, never grant supervisor or administrator.
        return role in CUSTOMER_ROLES | {Role.AGENT}
    if actor.role == Role.CUSTOMER_MANAGER:
        return (
            role in CUSTOMER_ROLES
            and target_organization is not None
            and target_organization.pk == actor.organization_id
        )
    return False


def invitation_link(user: User) -> str:
    """The one-time link where an invited user sets their password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:invitation_accept", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def invite_user(
    *,
    email: str,
    full_name: str,
    organization: Organization | None,
    role: str,
    language: str,
    invited_by: User,
    phone: str = "",
) -> User:
    """Create a user without a password and e-mail them a link to set one."""
    if not can_manage_user(invited_by, organization, role):
        raise PermissionDenied
    user = User(
        email=User.objects.normalize_email(email).lower(),
        full_name=full_name,
        organization=organization if role in CUSTOMER_ROLES else None,
        role=role,
        language=language,
        phone=phone,
    )
    user.set_unusable_password()
    set_role(user, role=role, actor=invited_by)
    send_invitation(user, invited_by=invited_by)
    return user


@transaction.atomic
def set_role(user: User, *, role: str, actor: User | None) -> None:
    """Give `user` a role and save them; the role's group (its permissions in the console)
    follows in the same transaction.

    `actor` None is the system (demo data, createsuperuser). A person must be allowed to
    manage the user as stored and with the new role: a supervisor never grants supervisor or
    administrator, nor changes a supervisor's or an administrator's role.
    """
    if actor is not None:
        stored = User.objects.select_related("organization").filter(pk=user.pk).first()
        if stored is not None and not can_manage_user(actor, stored.organization, stored.role):
            raise PermissionDenied
        if not can_manage_user(actor, user.organization, role):
            raise PermissionDenied
    user.role = role
    user.save()
    roles.apply_role_groups(user)


def send_invitation(user: User, *, invited_by: User) -> None:
    """(Re)send the invitation e-mail with a fresh link, after commit."""
    queue_mail(
        template="invitation",
        to=user.email,
        language=user.language,
        context={
            "full_name": user.full_name,
            "invited_by": invited_by.full_name,
            "organization": str(user.organization) if user.organization else "",
            "link": invitation_link(user),
            "email": user.email,
        },
    )


def set_user_active(user: User, *, active: bool, acting_user: User) -> None:
    """Deactivate (or reactivate) a user; nothing of theirs is deleted."""
    if user.pk == acting_user.pk or not can_manage_user(acting_user, user.organization, user.role):
        raise PermissionDenied
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
