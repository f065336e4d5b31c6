"""Template helpers of the agent console."""

from django import template

from tickets import access

register = template.Library()


@register.simple_tag(takes_context=True)
def can_view_reports(context) -> bool:
    """May the signed-in user open the report pages (tickets.access decides)?"""
    request = context.get("request")
    return bool(request and access.can_view_reports(request.user))
