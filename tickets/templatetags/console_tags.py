"""Template helpers of the agent console."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tickets import access

register = template.Library()


@register.simple_tag(takes_context=True)
def can_view_reports(context) -> bool:
    """May the signed-in user open the report pages (tickets.access decides)?"""
    request = context.get("request")
    return bool(request and access.can_view_reports(request.user))


# How many of a model, in words, for the admin's lists ("1 обращение", "5 обращений"): Russian
# has three forms for counts, which "count + verbose name (plural)" cannot give. A model not
# listed gets "its plural name: count", grammatical in any language.
COUNTED = {
    "tickets.ticket": lambda n: ngettext("%(count)d request", "%(count)d requests", n),
    "tickets.cannedreply": lambda n: ngettext(
        "%(count)d reply template", "%(count)d reply templates", n
    ),
    "accounts.user": lambda n: ngettext("%(count)d user", "%(count)d users", n),
    "accounts.organization": lambda n: ngettext(
        "%(count)d organisation", "%(count)d organisations", n
    ),
    "sla.contract": lambda n: ngettext("%(count)d contract", "%(count)d contracts", n),
    "sla.supportplan": lambda n: ngettext("%(count)d support plan", "%(count)d support plans", n),
}


@register.simple_tag
def counted_more_than(opts, count) -> str:
    """More than `count` objects (a capped count, tickets.paging), with the right plural form."""
    if opts.label_lower == "tickets.ticket":
        return ngettext("More than %(count)d request", "More than %(count)d requests", count) % {
            "count": count
        }
    return _("More than %(count)d") % {"count": count}


@register.simple_tag
def counted(opts, count) -> str:
    """`count` objects of the model `opts` in words, with the right plural form."""
    words = COUNTED.get(opts.label_lower)
    if words is None:
        return f"{str(opts.verbose_name_plural).capitalize()}: {count}"
    return words(count) % {"count": count}
