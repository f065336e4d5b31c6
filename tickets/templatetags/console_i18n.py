"""`{% translate "…" %}` for the pages opened all day long (the request workspace): a constant
string is translated and escaped once per language and process instead of on every render.

Load it after i18n (`{% load i18n console_i18n %}`): its `translate` takes the place of
Django's for that template. makemessages still finds the strings (it reads the tag's text,
whatever library provides it). Anything but a plain constant string (a variable, a filter,
`as`, `context`) is Django's own tag, unchanged.
"""

from django import template
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils import translation

register = template.Library()


class ConstantTranslateNode(TranslateNode):
    """Django's TranslateNode, its output kept per (language, autoescape): for a constant
    string without filters nothing else goes into it."""

    def __init__(self, node: TranslateNode):
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.rendered: dict[tuple, str] = {}

    def render(self, context):
        key = (translation.get_language(), context.autoescape)
        output = self.rendered.get(key)
        if output is None:
            output = self.rendered[key] = super().render(context)
        return output


@register.tag("translate")
@register.tag("trans")
def translate(parser, token):
    node = do_translate(parser, token)
    expression = node.filter_expression
    constant = getattr(expression.var, "literal", None) is not None and not expression.filters
    if constant and node.asvar is None and node.message_context is None:
        return ConstantTranslateNode(node)
    return node
