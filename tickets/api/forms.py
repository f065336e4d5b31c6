"""Input forms of the staff endpoints, with the portal's attachment rules."""

from django import forms

from tickets.forms import AttachmentsForm, MultipleFileField
from tickets.models import Ticket


class TextForm(AttachmentsForm):
    """A question, a solution or an internal note, with files."""

    text = forms.CharField()
    files = MultipleFileField()


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(choices=Ticket.Priority.choices, coerce=int)


class AssignForm(forms.Form):
    assignee = forms.EmailField(required=False)
