from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def whole_minutes(value) -> int:
    """A duration as whole minutes, rounded up (for "try again in N minutes")."""
    if not isinstance(value, timedelta):
        return 0
    return -(-int(value.total_seconds()) // 60)
