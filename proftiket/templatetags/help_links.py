"""The footer's links to the user guides this visitor may read (proftiket.guides decides)."""

from django import template
from django.urls import reverse

from proftiket import guides

register = template.Library()


@register.simple_tag(takes_context=True)
def help_links(context) -> list[tuple[str, str]]:
    """(URL, title) of each guide the current user may read; none without a request."""
    request = context.get("request")
    if request is None:
        return []
    return [(reverse("help", args=[g.slug]), g.title) for g in guides.readable_guides(request.user)]
