"""{% error_summary form other_form refusal=message %}: every error of a page, at its top."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms, refusal=None):
    """The refused action's message and the errors of the bound forms, with links to fields.

    Errors of a form low on the page (a too-large file, an empty reason) were shown next to
    the field, below the fold, with the focus left where it was: the summary comes first and
    takes the focus (autofocus, role=alert), so the page says at once what went wrong.
    """
    items = [{"text": refusal}] if refusal else []
    for form in forms:
        if not getattr(form, "is_bound", False) or not form.errors:
            continue
        items += [{"text": error} for error in form.non_field_errors()]
        for field in form:
            items += [
                {"text": error, "label": field.label, "target": field.id_for_label}
                for error in field.errors
            ]
    return {"items": items}
