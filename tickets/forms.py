from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from tickets import attachments
from tickets.models import OPEN_STATUSES, Ticket


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def get_context(self, name, value, attrs):
        # Read at render time: the limits are settings, the texts follow the user's language.
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(attachments.browser_checks())
        return context


def _files_help_text() -> str:
    return _(
        "Screenshots, logs, archives, PDF, packet captures: up to %(count)d files, "
        "%(size)d MB each. You can drop files here or paste a screenshot."
    ) % {
        "count": settings.ATTACHMENT_MAX_FILES,
        "size": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }


class MultipleFileField(forms.FileField):
    """Several files in one input; each checked against the attachment rules."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"data-attachments": "true"}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        # Lazy: the field is built at import, but the text must follow the user's language.
        kwargs.setdefault("help_text", lazy(_files_help_text, str)())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        attachments.validate_uploads(files)
        return files


class TypeChoiceWidget(forms.RadioSelect):
    """Radio buttons with the one-line explanation of each request type."""

    template_name = "tickets/widgets/type_choice.html"

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["help"] = Ticket.TYPE_EXPLANATIONS.get(value, "")
        return option


class AttachmentsForm(forms.Form):
    """A form with a `files` field: once the rest is valid, the files are checked against what
    one request and one uploader may carry (tickets.attachments.check_quotas)."""

    def __init__(self, *args, uploader=None, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploader = uploader
        self.ticket = ticket

    def clean(self):
        cleaned = super().clean()
        files = cleaned.get("files")
        if files and self.uploader is not None and not self.errors:
            try:
                attachments.check_quotas(files, uploader=self.uploader, ticket=self.ticket)
            except ValidationError as refusal:
                self.add_error("files", refusal)
        return cleaned


class TicketForm(AttachmentsForm):
    type = forms.ChoiceField(
        label=_("Type of request"), choices=Ticket.Type.choices, widget=TypeChoiceWidget
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happens, what you expected, since when, who is affected."),
    )
    technical_details = forms.CharField(
        label=_("Technical details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "mono"}),
        help_text=Ticket._meta.get_field("technical_details").help_text,
    )
    blocks_work = forms.BooleanField(
        label=_("This blocks our work"),
        required=False,
        help_text=Ticket._meta.get_field("blocks_work").help_text,
    )
    files = MultipleFileField()


class ReplyForm(AttachmentsForm):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField()


class DisputeForm(AttachmentsForm):
    reason = forms.CharField(
        label=_("Why does the solution not work for you?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Describe what still does not work: the engineer resumes work with it."),
    )
    files = MultipleFileField()


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingForm(forms.Form):
    """The customer's rating of a closed request: 1 (poor) to 5 (excellent), a comment."""

    SCORE_CHOICES = [
        (5, _("5 — excellent")),
        (4, _("4 — good")),
        (3, _("3 — acceptable")),
        (2, _("2 — poor")),
        (1, _("1 — very poor")),
    ]
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how support handled this request?"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# "Most urgent" means work still to do: a critical request closed last month is not urgent.
OPEN_FIRST = Case(
    When(status__in=OPEN_STATUSES, then=Value(0)),
    When(status=Ticket.Status.RESOLVED, then=Value(1)),
    default=Value(2),
)


class TicketFilterForm(forms.Form):
    SORTS = {
        "-created": (("-created_at",), _("Newest first")),
        "created": (("created_at",), _("Oldest first")),
        "-activity": (("-last_activity_at",), _("Recently active")),
        "priority": ((OPEN_FIRST.asc(), "priority", "created_at"), _("Most urgent first")),
    }
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Ticket.Status.choices]
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *Ticket.Type.choices]
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any priority")), *Ticket.Priority.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[(key, label) for key, (_ordering, label) in SORTS.items()],
    )

    def controls(self) -> list[dict]:
        """The fields as plain data for the list template, which writes their HTML itself.

        Rendering the widgets cost ~5 ms of the list's ~15 (at 25 rows): a template per
        widget and an included template per option, 23 options.
        """
        controls = []
        for bound in self:
            value = bound.data if self.is_bound else bound.initial
            value = "" if value is None else str(value)
            control = {"name": bound.html_name, "id": bound.auto_id, "label": bound.label,
                       "value": value, "options": None}  # fmt: skip
            if isinstance(bound.field, forms.ChoiceField):
                control["options"] = [
                    (str(key), label, str(key) == value) for key, label in bound.field.choices
                ]
            else:
                control["max_length"] = bound.field.max_length
            controls.append(control)
        return controls

    def ordering(self) -> tuple:
        """Arguments for `order_by`, as chosen in the form (newest first by default)."""
        key = self.cleaned_data.get("sort") or "-created"
        return self.SORTS[key][0]
