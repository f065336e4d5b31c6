"""Account actions: inviting users, giving them a role, (de)activating them, with the rules
of who may."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from accounts import roles
from accounts.models import CUSTOMER_ROLES, Organization, Role, User
from proftiket import limits
from proftiket.mail import queue_mail, send_templated_mail


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


def _one_time_link(user: User, url_name: str) -> str:
    # Always from SITE_URL, never from the request's Host header: a Host with another port
    # (or name) produced a link to that address.
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.SITE_URL}{reverse(url_name, kwargs={'uidb64': uid, 'token': token})}"


def invitation_link(user: User) -> str:
    """The one-time link where an invited user sets their password."""
    return _one_time_link(user, "accounts:invitation_accept")


def password_reset_link(user: User) -> str:
    """The one-time link where a user who forgot their password sets a new one."""
    return _one_time_link(user, "accounts:password_reset_confirm")


# --- Password reset: the request only queues; the task looks the address up and mails --------

RESET_WINDOW = 3600  # the settings count reset requests per hour


def password_reset_refusal(*, email: str, client_ip: str) -> str | None:
    """Why a reset request is refused now (too many), or None; counts the request if not.

    Counted the same for an unknown address as for a known one, so the answer tells nothing.
    """
    per_ip = limits.Rate(settings.PASSWORD_RESET_PER_IP, RESET_WINDOW)
    per_address = limits.Rate(settings.PASSWORD_RESET_PER_ADDRESS, RESET_WINDOW)
    if not limits.take("reset-ip", client_ip, per_ip):
        return _("Too many password reset requests from your network. Try again later.")
    if not limits.take("reset-address", email, per_address):
        return _(
            "Several links have already been sent to this address recently. Check your mailbox "
            "(and the spam folder), or try again later."
        )
    return None


def queue_password_reset(*, email: str) -> None:
    """Queue the reset mail. The request does the same work whether the address exists or not
    (it used to render and send the mail in the request: measurably slower for a real account)."""
    async_task("accounts.services.send_password_reset", email=email, task_name="password-reset")


def send_password_reset(*, email: str) -> None:
    """The django-q2 task: mail a reset link to each active account with this address."""
    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    for user in users:
        if not user.has_usable_password():
            continue  # invited and never set one: their invitation is the way in
        send_templated_mail(
            template="password_reset",
            to=user.email,
            language=user.language,
            context={"link": password_reset_link(user), "email": user.email},
        )


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
    """Deactivate (or reactivate) a user; nothing of theirs is deleted.

    Whoever deactivates is recorded. A customer manager cannot reactivate a user whom support
    deactivated (support may have had a reason the manager does not know): PermissionDenied.
    """
    if user.pk == acting_user.pk or not can_manage_user(acting_user, user.organization, user.role):
        raise PermissionDenied
    if active and not acting_user.is_staff and deactivated_by_support(user):
        raise PermissionDenied(
            _("%(name)s was deactivated by support; only support can reactivate them.")
            % {"name": user.full_name}
        )
    deactivated_by = None if active else acting_user
    User.objects.filter(pk=user.pk).update(is_active=active, deactivated_by=deactivated_by)
    user.is_active, user.deactivated_by = active, deactivated_by


def deactivated_by_support(user: User) -> bool:
    return not user.is_active and user.deactivated_by is not None and user.deactivated_by.is_staff


def invite_colleague(*, manager: User, email: str, **details) -> None:
    """A customer manager invites a colleague into their organisation.

    An address that already has an account elsewhere (another customer's, or support's) gets
    the same answer as a new one, so that inviting cannot tell whether an address is a user of
    ProfTicket; no account is created or changed, and the address gets a neutral notice
    instead of an invitation (its owner learns why no invitation came; the inviter learns
    nothing). An address already in the manager's own organisation is refused by the form.
    """
    existing = User.objects.filter(email__iexact=email).select_related("organization").first()
    if existing is None:
        invite_user(email=email, organization=manager.organization, invited_by=manager,
                    **details)  # fmt: skip
        return
    queue_mail(
        template="invitation_existing",
        to=existing.email,
        language=existing.language,
        context={
            "invited_by": manager.full_name,
            "organization": str(manager.organization),
            "support": settings.SUPPORT_CONTACT,
        },
    )


def set_availability(user: User, *, available: bool, now=None) -> None:
    """Support staff mark themselves available or away (automatic assignment skips the away)."""
    if not user.is_staff:
        raise PermissionDenied
    away_since = None if available else (now or timezone.now())
    if user.is_away == (away_since is not None):
        return
    User.objects.filter(pk=user.pk).update(away_since=away_since)
    user.away_since = away_since
