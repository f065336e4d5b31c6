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
