"""Customer organisations, users and their roles."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """A customer company: its users file requests under its support contract."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    tax_number = models.CharField(
        _("tax number"), max_length=12, blank=True, help_text=_("INN: 10 or 12 digits.")
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Users of an inactive organisation cannot log in. Nothing is deleted."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CUSTOMER_MANAGER = "customer_manager", _("Customer manager")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


CUSTOMER_ROLES = frozenset({Role.CUSTOMER, Role.CUSTOMER_MANAGER})
STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR})


class Language(models.TextChoices):
    RUSSIAN = "ru", "Русский"
    ENGLISH = "en", "English"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **fields):
        from accounts.services import set_role

        if not email:
            raise ValueError("An e-mail address is required.")
        role = fields.pop("role", Role.CUSTOMER)
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        set_role(user, role=role, actor=None)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.ADMINISTRATOR)
        fields.setdefault("full_name", "Administrator")
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in by e-mail: a customer's employee or a support engineer."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language, default=Language.RUSSIAN
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.CUSTOMER)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("A deactivated user cannot log in; their requests and messages stay."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Who deactivated the account: a customer manager may reactivate whom they deactivated,
    # never someone support deactivated (accounts.services.set_user_active).
    deactivated_by = models.ForeignKey(
        "self",
        verbose_name=_("deactivated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    # Support staff mark themselves away in the console (tickets.console.availability):
    # automatic assignment passes over an agent while this is set.
    away_since = models.DateTimeField(
        _("away since"),
        null=True,
        blank=True,
        help_text=_("Set while the engineer is away: automatic assignment passes them over."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            # Customers belong to exactly one organisation; support staff to none.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role__in=[Role.CUSTOMER, Role.CUSTOMER_MANAGER], organization__isnull=False
                    )
                    | models.Q(
                        role__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR],
                        organization__isnull=True,
                    )
                ),
                name="accounts_user_role_matches_organization",
            ),
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.role in CUSTOMER_ROLES and self.organization_id is None:
            raise ValidationError({"organization": _("A customer must belong to an organisation.")})
        if self.role in STAFF_ROLES and self.organization_id is not None:
            raise ValidationError(
                {"organization": _("Support staff do not belong to a customer organisation.")}
            )

    # Django's admin asks for is_staff; it follows from the role so the two never disagree.
    @property
    def is_staff(self):
        return self.role in STAFF_ROLES

    @property
    def is_away(self):
        return self.away_since is not None

    @property
    def is_customer(self):
        return self.role in CUSTOMER_ROLES

    @property
    def is_customer_manager(self):
        return self.role == Role.CUSTOMER_MANAGER

    @property
    def is_supervisor(self):
        return self.role in {Role.SUPERVISOR, Role.ADMINISTRATOR}

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def save(self, *args, **kwargs):
        # A flag of this row, derived like is_staff so that the two never disagree. The role's
        # group (other rows) changes only through accounts.services.set_role.
        self.is_superuser = self.role == Role.ADMINISTRATOR
        super().save(*args, **kwargs)


class ApiToken(models.Model):
    """A key for the integration API (/api/v1/): it acts as its user, with that user's rights.

    Only a digest of the secret is kept (accounts.tokens): the token is shown once, when it is
    made. `prefix` is the public part that finds the row; `scope` can only narrow the user's
    rights (read-only), never widen them.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses it, e.g. “Zabbix monitoring”.")
    )
    user = models.ForeignKey(
        User, verbose_name=_("acts as"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    # The user's organisation when the token was made: a user moved elsewhere loses the token.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="apitoken_org")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    def is_usable(self, now) -> bool:
        """Not revoked, not expired, and its user still active in the same organisation."""
        user = self.user
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and user.is_active
            and user.organization_id == self.organization_id
        )


class IdempotencyRecord(models.Model):
    """A write through the API made with an `Idempotency-Key`: the same key from the same token
    gets the stored answer instead of a second request or reply (tickets.api.idempotency).
    """

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_once_per_token")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self):
        return f"{self.token_id}: {self.key}"
