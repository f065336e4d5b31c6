from django import template

from tickets.formatting import description_html, message_html, render_text

register = template.Library()


@register.filter
def formatted(text):
    """Message text with light formatting, sanitised."""
    return render_text(text)


@register.filter
def message_text(comment):
    """A message's text as formatted HTML, rendered once per process."""
    return message_html(comment)


@register.filter
def description_text(ticket):
    """A request's description as formatted HTML, rendered once per process."""
    return description_html(ticket)
