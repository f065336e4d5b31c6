"""Forms of the agent console: the request form with its version guard, bulk-action choices,
the compose box, splitting and linking. They only parse input; tickets.lifecycle decides."""

import json

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, User
from tickets.forms import MultipleFileField
from tickets.models import Ticket

# What the version guard compares, in the order the refusal names them.
WATCHED_FIELDS = ("status", "priority", "assignee", "executors")


def engineers():
    """Active support staff: the people a request can be assigned to."""
    return User.objects.filter(role__in=sorted(STAFF_ROLES), is_active=True).order_by(
        "full_name", "email"
    )


class ConsoleActionForm(ActionForm):
    """The changelist's action bar, with the values that some bulk actions need."""

    engineer = forms.ModelChoiceField(
        label=_("Engineer"), queryset=engineers(), required=False, empty_label="—"
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", "—"), *Ticket.Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def clean(self):
        # A missing or stale engineer or priority is reported by the action that needs it,
        # not as "no action selected" by the admin.
        for name in ("engineer", "priority"):
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


class TicketConsoleForm(forms.ModelForm):
    """Priority, engineer and executors, with the version the page was loaded at.

    Saving does not write these fields: the admin passes them to the lifecycle. The hidden
    fields carry the version and the values the engineer saw, so that a change made by
    someone else meanwhile is named and nothing is overwritten.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    loaded_values = forms.CharField(widget=forms.HiddenInput, required=False)
    actor = None  # the engineer using the form; set by the admin for each request

    class Meta:
        model = Ticket
        fields = ["priority", "assignee", "executors"]
        widgets = {"executors": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticket = self.instance
        self.initial["loaded_version"] = ticket.version
        self.initial["loaded_values"] = json.dumps(self._values_as_loaded())
        if "assignee" in self.fields:
            self._limit_assignee_choices(ticket)
        if "executors" in self.fields:
            # Present executors stay listed even if deactivated: saving must not drop them.
            self.fields["executors"].queryset = User.objects.filter(
                Q(role__in=sorted(STAFF_ROLES), is_active=True)
                | Q(pk__in=ticket.executors.values("pk"))
            ).order_by("full_name", "email")

    def _limit_assignee_choices(self, ticket):
        field = self.fields["assignee"]
        current = Q(pk=ticket.assignee_id) if ticket.assignee_id else Q(pk__in=[])
        choices = User.objects.filter(Q(role__in=sorted(STAFF_ROLES), is_active=True) | current)
        if self.actor is not None and not self.actor.has_perm("tickets.assign_others"):
            # An agent may take a request, not hand it to (or take it from) someone else.
            choices = choices.filter(Q(pk=self.actor.pk) | current)
            if ticket.assignee_id:
                field.empty_label = None
        field.queryset = choices.order_by("full_name", "email")

    def _values_as_loaded(self) -> dict:
        ticket = self.instance
        executors = self.initial.get("executors") or []
        return {
            "status": ticket.status,
            "priority": ticket.priority,
            "assignee": ticket.assignee_id,
            "executors": sorted(user.pk for user in executors),
        }

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._refuse_if_changed_meanwhile(cleaned.get("loaded_version"))
        return cleaned

    def _refuse_if_changed_meanwhile(self, loaded_version):
        tickets = Ticket.objects.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            tickets = tickets.select_for_update()  # held until the lifecycle calls are done
        current = tickets.values("version", "status", "priority", "assignee").first()
        if current is None or current["version"] == loaded_version:
            return
        current["executors"] = sorted(
            Ticket.executors.through.objects.filter(ticket_id=self.instance.pk).values_list(
                "user_id", flat=True
            )
        )
        loaded = self._submitted_values()
        changed = [
            str(Ticket._meta.get_field(name).verbose_name)
            for name in WATCHED_FIELDS
            if loaded.get(name) != current[name]
        ]
        if changed:
            message = gettext(
                "While you were editing, someone else changed this request: %(fields)s. "
                "Nothing has been saved: reload the page to see the current values, then "
                "make your change again."
            ) % {"fields": ", ".join(changed)}
        else:
            message = gettext(
                "While you were editing, someone else updated this request (a message or its "
                "history). Nothing has been saved: reload the page, then make your change again."
            )
        raise ValidationError(message, code="changed_meanwhile")

    def _submitted_values(self) -> dict:
        try:
            values = json.loads(self.data.get(self.add_prefix("loaded_values")) or "{}")
        except ValueError:
            return {}
        return values if isinstance(values, dict) else {}


class ComposeForm(forms.Form):
    """One message: a public reply, an internal note, a question or a proposed solution."""

    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}),
    )
    files = MultipleFileField()


class SplitForm(forms.Form):
    subject = forms.CharField(label=_("Subject of the new request"), max_length=200)


class LinkForm(forms.Form):
    reference = forms.CharField(label=_("Request ID"), max_length=20)
