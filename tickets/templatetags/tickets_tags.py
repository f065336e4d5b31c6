from django import template

from tickets.formatting import render_text

register = template.Library()


@register.filter
def formatted(text):
    """Message text with light formatting, sanitised."""
    return render_text(text)
