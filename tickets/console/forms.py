"""Forms of the agent console: bulk-action choices, the compose box, the properties of a
request, splitting and linking. They only parse input; tickets.lifecycle decides."""

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, User
from tickets.forms import AttachmentsForm, MultipleFileField
from tickets.models import Ticket


def engineers():
    """Active support staff: the people a request can be assigned to."""
    return User.objects.filter(role__in=sorted(STAFF_ROLES), is_active=True).order_by(
        "full_name", "email"
    )


class QuickSelect(forms.Select):
    """A plain select (no option groups) written in Python, not through the form templates:
    the queue's action bar renders a few dozen options on every page view."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, mark_safe(" selected") if option in chosen else "", label)
                for option, label in ((str(v), label) for v, label in self.choices)
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class QuickInput(forms.TextInput):
    """A text or hidden input written in Python (the action bar's, on every queue page)."""

    def __init__(self, attrs=None, *, input_type="text"):
        super().__init__(attrs)
        self.input_type = input_type

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        shown = format_html(' value="{}"', value) if value is not None else ""
        return format_html(
            '<input type="{}" name="{}"{}{}>', self.input_type, name, shown, flatatt(attrs)
        )


class ConsoleActionForm(ActionForm):
    """The changelist's action bar, with the values that some bulk actions need."""

    engineer = forms.ModelChoiceField(
        label=_("Engineer"),
        queryset=engineers(),
        required=False,
        empty_label="—",
        widget=QuickSelect,
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", "—"), *Ticket.Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
        widget=QuickSelect,
    )
    incident = forms.CharField(
        label=_("Major incident"),
        max_length=20,
        required=False,
        widget=QuickInput(attrs={"placeholder": "PT-…", "size": 8}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].widget = QuickSelect()  # the admin sets its choices afterwards
        across = self.fields["select_across"]
        across.widget = QuickInput(across.widget.attrs, input_type="hidden")

    def clean(self):
        # A missing or stale engineer, priority or incident is reported by the action that
        # needs it, not as "no action selected" by the admin.
        for name in ("engineer", "priority", "incident"):
            self._errors.pop(name, None)
        return super().clean()

    @classmethod
    def chosen(cls, data, name):
        """The cleaned value of one optional field in POSTed data, or None if missing or invalid."""
        field = cls.base_fields[name]
        try:
            return field.clean(data.get(name) or None)
        except ValidationError:
            return None


class SeenForm(forms.Form):
    """What the page showed when the engineer acted: its status and its last history entry."""

    seen_status = forms.ChoiceField(choices=Ticket.Status.choices, required=False)
    seen_event = forms.IntegerField(min_value=0, max_value=2**62, required=False)


class ComposeForm(SeenForm, AttachmentsForm):
    """One message: a public reply, an internal note, a question or a proposed solution; its
    files within what one request and one uploader may carry (AttachmentsForm)."""

    REPLY, NOTE, REQUEST_INFO, RESOLVE = "reply", "note", "request_info", "resolve"
    MODES = [
        (REPLY, _("Public reply")),
        (NOTE, _("Internal note")),
        (REQUEST_INFO, _("Request information")),
        (RESOLVE, _("Resolve")),
    ]

    mode = forms.ChoiceField(choices=MODES, initial=REPLY)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the message first.")},
    )
    files = MultipleFileField()

    def __init__(self, *args, **kwargs):
        # The ids the workspace's compose box uses, which the error summary links to.
        kwargs.setdefault("auto_id", "compose-%s")
        super().__init__(*args, **kwargs)


class PropertyForm(SeenForm):
    """One property of a request, with the value the page showed (`shown`): if someone changed
    it meanwhile, the change is refused and named instead of silently overwritten."""

    shown = forms.CharField(required=False, max_length=200)


class PriorityForm(PropertyForm):
    value = forms.TypedChoiceField(choices=Ticket.Priority.choices, coerce=int)


class TypeForm(PropertyForm):
    value = forms.ChoiceField(choices=Ticket.Type.choices)


class BlocksWorkForm(PropertyForm):
    value = forms.BooleanField(required=False)


class AssigneeForm(PropertyForm):
    value = forms.ModelChoiceField(queryset=engineers(), required=False)


class ExecutorsForm(PropertyForm):
    value = forms.ModelMultipleChoiceField(queryset=engineers(), required=False)


class SplitForm(forms.Form):
    subject = forms.CharField(label=_("Subject of the new request"), max_length=200)


class LinkForm(forms.Form):
    reference = forms.CharField(label=_("Request ID"), max_length=20)
