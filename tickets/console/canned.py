"""Reply templates: supervisors manage them in the admin; engineers search and insert them into
the compose box of a request, with the placeholders filled in for that request.

Placeholders are replaced by plain text substitution of a fixed list of names: no format
string, no template engine, so a template can never reach into objects or run code, and text
in braces that is not a placeholder stays as it is.
"""

import re

from django import forms
from django.contrib import admin
from django.db.models import F, Q
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.models import CannedReply

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = {
    "customer_name": _("the requester's name"),
    "ticket_id": _("the request's ID (PT-1042)"),
    "subject": _("the request's subject"),
    "organization": _("the customer's organisation"),
    "engineer_name": _("your name (the engineer inserting the template)"),
}
LISTED = 20  # templates offered at a time: the search narrows them down
PREVIEW_CHARS = 140


def placeholder_values(ticket, engineer) -> dict[str, str]:
    """What each placeholder stands for in this request, written by this engineer."""
    return {
        "customer_name": ticket.requester.full_name or ticket.requester.email,
        "ticket_id": ticket.reference,
        "subject": ticket.subject,
        "organization": ticket.organization.name,
        "engineer_name": engineer.full_name or engineer.email,
    }


def fill(text: str, values: dict[str, str]) -> str:
    """The text with every known {placeholder} replaced; anything else left untouched."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["title", "body_ru", "body_en", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = ", ".join(f"{{{name}}} ({label})" for name, label in PLACEHOLDERS.items())
        self.fields["body_ru"].help_text = gettext("Placeholders: %(names)s.") % {"names": names}

    def _clean_body(self, name):
        text = self.cleaned_data[name]
        if unknown := unknown_placeholders(text):
            raise forms.ValidationError(
                gettext("Unknown placeholders: %(names)s. Known: %(known)s.")
                % {
                    "names": ", ".join(f"{{{n}}}" for n in unknown),
                    "known": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
                }
            )
        return text

    def clean_body_ru(self):
        return self._clean_body("body_ru")

    def clean_body_en(self):
        return self._clean_body("body_en")


class CannedReplyAdmin(admin.ModelAdmin):
    form = CannedReplyForm
    list_display = ["title", "is_active", "usage_count", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["title", "body_ru", "body_en"]
    ordering = ["title"]


def offered(request, ticket) -> JsonResponse:
    """The active templates matching ?q= (title or text), most used first, with a preview in
    the requester's language."""
    query = request.GET.get("q", "").strip()[:100]
    replies = CannedReply.objects.filter(is_active=True)
    if query:
        replies = replies.filter(
            Q(title__icontains=query) | Q(body_ru__icontains=query) | Q(body_en__icontains=query)
        )
    language = ticket.requester.language
    return JsonResponse(
        {
            "replies": [
                {
                    "id": reply.pk,
                    "title": reply.title,
                    "preview": reply.body_for(language)[:PREVIEW_CHARS],
                }
                for reply in replies.order_by("-usage_count", "title")[:LISTED]
            ]
        }
    )


def inserted(request, ticket, reply_id: int) -> JsonResponse:
    """The template's text filled in for this request; counts one more use."""
    reply = CannedReply.objects.filter(pk=reply_id, is_active=True).first()
    if reply is None:
        return JsonResponse({"error": gettext("This template is no longer offered.")}, status=404)
    CannedReply.objects.filter(pk=reply.pk).update(usage_count=F("usage_count") + 1)
    text = reply.body_for(ticket.requester.language)
    return JsonResponse({"text": fill(text, placeholder_values(ticket, request.user))})
