"""{% form_fields form %}: a form's fields (includes/form_fields.html, or another template that
reads nothing but `form`), an empty one rendered once per process.

An empty form's HTML is the same on every page: through the widget templates it cost ~1 ms
a form, and a request page shows two or three. A form sent back (bound) or filled in
beforehand (initial values) is rendered every time; so is anything when the key below
cannot name what the HTML depends on: the form's class and prefix, the language, and for
file fields the limits and the time zone the browser checks are written with.
"""

from django import forms, template
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from tickets import attachments
from tickets.formatting import RenderCache

register = template.Library()

FIELDS_TEMPLATE = "includes/form_fields.html"
empty_forms = RenderCache(size=200)


def _key(form: forms.Form, template_name: str) -> tuple | None:
    """What an empty form's HTML depends on; None if the form is not empty."""
    if form.is_bound or form.initial or any(f.initial is not None for f in form.fields.values()):
        return None
    files = any(isinstance(f, forms.FileField) for f in form.fields.values())
    return (
        template_name,
        f"{type(form).__module__}.{type(form).__qualname__}",
        form.prefix,
        form.auto_id,
        translation.get_language(),
        # Labels and help texts may be built from settings (the file limits): as shown now.
        tuple((name, str(f.label), str(f.help_text)) for name, f in form.fields.items()),
        tuple(sorted(attachments.browser_checks().items())) if files else (),
    )


@register.simple_tag
def form_fields(form: forms.Form, template_name: str = FIELDS_TEMPLATE) -> SafeString:
    """The form's fields as `template_name` writes them (its context: `form` alone)."""

    def render() -> SafeString:
        return mark_safe(get_template(template_name).render({"form": form}))  # noqa: S308

    key = _key(form, template_name)
    return render() if key is None else empty_forms.get(key, render)
