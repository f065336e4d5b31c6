"""The workspace's major-incident box: mark or unmark the request, attach children by ID,
detach one, post a public update to every affected customer. Each a small POST answered like
the workspace's other actions (tickets.console.actions.respond)."""

from django import forms
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tickets import lifecycle
from tickets.console.actions import respond
from tickets.lifecycle import incidents
from tickets.models import Ticket, parse_reference

MAX_ATTACHED_AT_ONCE = 50


class MarkForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title for customers"), max_length=200)


class AttachForm(forms.Form):
    references = forms.CharField(label=gettext_lazy("Requests to attach"), max_length=2000)

    def clean_references(self):
        """IDs separated by commas, spaces or new lines: `PT-12, PT-13 14`."""
        words = self.cleaned_data["references"].replace(",", " ").split()
        numbers = [parse_reference(word) for word in words]
        wrong = [word for word, number in zip(words, numbers, strict=True) if number is None]
        if wrong:
            raise forms.ValidationError(
                _("Not a request ID: %(words)s.") % {"words": ", ".join(w[:20] for w in wrong[:5])}
            )
        if len(set(numbers)) > MAX_ATTACHED_AT_ONCE:
            raise forms.ValidationError(
                _("At most %(max)d requests at once.") % {"max": MAX_ATTACHED_AT_ONCE}
            )
        return list(dict.fromkeys(numbers))


class UpdateForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Update for every affected customer"))


def _refused(admin, request, ticket, message):
    return respond(
        admin, request, ticket, ok=False, message=message, status=400, anchor="#incident"
    )


def _first_error(form) -> str:
    return next(str(errors[0]) for errors in form.errors.values())


def mark(admin, request, ticket):
    form = MarkForm(request.POST)
    if not form.is_valid():
        return _refused(admin, request, ticket, _first_error(form))
    try:
        incidents.mark(ticket, actor=request.user, title=form.cleaned_data["title"])
    except lifecycle.TransitionRefused as refusal:
        return _refused(admin, request, ticket, refusal.message)
    message = _("%(ref)s is now a major incident.") % {"ref": ticket.reference}
    return respond(admin, request, ticket, ok=True, message=message, anchor="#incident")


def unmark(admin, request, ticket):
    try:
        count = incidents.unmark(ticket, actor=request.user)
    except lifecycle.TransitionRefused as refusal:
        return _refused(admin, request, ticket, refusal.message)
    message = ngettext(
        "%(ref)s is no longer a major incident; %(count)d request was detached.",
        "%(ref)s is no longer a major incident; %(count)d requests were detached.",
        count,
    ) % {"ref": ticket.reference, "count": count}
    return respond(admin, request, ticket, ok=True, message=message, anchor="#incident")


def attach(admin, request, ticket):
    """Attach the requests given by ID; each refusal is named, the others are attached."""
    form = AttachForm(request.POST)
    if not form.is_valid():
        return _refused(admin, request, ticket, _first_error(form))
    wanted = form.cleaned_data["references"]
    found = {t.pk: t for t in admin.get_queryset(request).filter(pk__in=wanted)}
    done, refused = [], []
    for number in wanted:
        child = found.get(number)
        try:
            if child is None:
                raise lifecycle.TransitionRefused(_("there is no such request"))
            if incidents.attach(child, incident=ticket, actor=request.user):
                done.append(child.reference)
        except lifecycle.TransitionRefused as refusal:
            refused.append(f"{Ticket(pk=number).reference}: {refusal.message}")
    if refused:
        message = "; ".join(refused)
        if done:
            message = _("Attached: %(done)s. Not attached: %(refused)s") % {
                "done": ", ".join(done),
                "refused": message,
            }
        return _refused(admin, request, ticket, message)
    message = _("Attached to %(ref)s: %(done)s.") % {
        "ref": ticket.reference,
        "done": ", ".join(done) or "—",
    }
    return respond(admin, request, ticket, ok=True, message=message, anchor="#incident")


def detach(admin, request, ticket, child_id: int):
    """Detach one child, from the incident's page or from the child's own."""
    child = admin.get_queryset(request).filter(pk=child_id).first()
    if child is None or ticket.pk not in (child.pk, child.major_incident_id):
        raise Http404
    try:
        incidents.detach(child, actor=request.user)
    except lifecycle.TransitionRefused as refusal:
        return _refused(admin, request, ticket, refusal.message)
    message = _("%(ref)s has been detached from the major incident.") % {"ref": child.reference}
    return respond(admin, request, ticket, ok=True, message=message, anchor="#incident")


def update(admin, request, ticket):
    form = UpdateForm(request.POST)
    if not form.is_valid():
        return _refused(admin, request, ticket, _first_error(form))
    try:
        children = incidents.post_update(ticket, actor=request.user, body=form.cleaned_data["body"])
    except lifecycle.TransitionRefused as refusal:
        return _refused(admin, request, ticket, refusal.message)
    message = ngettext(
        "The update has been posted to %(ref)s and %(count)d attached request.",
        "The update has been posted to %(ref)s and %(count)d attached requests.",
        len(children),
    ) % {"ref": ticket.reference, "count": len(children)}
    return respond(admin, request, ticket, ok=True, message=message, anchor="#incident")
