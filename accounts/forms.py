from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _(
            "Wrong e-mail or password. Note that your account may be deactivated: "
            "if so, ask your organisation's manager or support."
        ),
        "inactive": _("This account is deactivated."),
    }


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "language"]


class InviteColleagueForm(forms.Form):
    """A customer manager invites a colleague into their own organisation."""

    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.CUSTOMER, Role.CUSTOMER.label),
            (Role.CUSTOMER_MANAGER, Role.CUSTOMER_MANAGER.label),
        ],
        initial=Role.CUSTOMER,
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=User._meta.get_field("language").choices
    )

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_email(self):
        # Only the manager's own organisation is checked: whether the address is a user
        # anywhere else is not for the form to say (accounts.services.invite_colleague).
        email = self.cleaned_data["email"].strip().lower()
        colleagues = User.objects.filter(organization=self.organization, email__iexact=email)
        if self.organization is not None and colleagues.exists():
            raise forms.ValidationError(_("This colleague is already a user of your organisation."))
        return email


class ApiTokenForm(forms.Form):
    """A customer manager makes an API token acting as someone of their organisation."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “Zabbix monitoring”."),
    )
    user = forms.ModelChoiceField(
        label=_("Acts as"),
        queryset=User.objects.none(),
        help_text=_(
            "The token has this user's rights and never more: a customer manager sees all the "
            "organisation's requests, a customer only their own."
        ),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=[])
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: until revoked."),
    )

    def __init__(self, *args, organization, **kwargs):
        from accounts.models import ApiToken

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            organization=organization, is_active=True
        ).order_by("full_name")
        self.fields["scope"].choices = ApiToken.Scope.choices

    def clean_expires_on(self):
        from django.utils import timezone

        value = self.cleaned_data["expires_on"]
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."))
        return value
