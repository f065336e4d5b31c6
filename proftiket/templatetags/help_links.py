"""The footer's links to the user guides this visitor may read (proftiket.guides decides)."""

from django import template

from proftiket import guides
from proftiket.portal_urls import url

register = template.Library()


@register.simple_tag(takes_context=True)
def help_links(context) -> list[tuple[str, str]]:
    """(URL, title) of each guide the current user may read; none without a request."""
    request = context.get("request")
    if request is None:
        return []
    return [(url("help", g.slug), g.title) for g in guides.readable_guides(request.user)]
