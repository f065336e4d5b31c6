"""`{% translate %}` of console_i18n: the same output as Django's, in each language."""

import pytest
from django.template import engines
from django.utils import translation

from tickets.templatetags.console_i18n import ConstantTranslateNode

BODY = (
    '{% translate "Home" %}|{% translate "Log out" noop %}|{% translate v %}'
    '|{% translate "History" as h %}{{ h }}|{% translate "Home"|upper %}'
    '|{% autoescape off %}{% translate "Home" %}{% endautoescape %}'
)


def render(libraries: str, language: str) -> str:
    with translation.override(language):
        return engines["django"].from_string(libraries + BODY).render({"v": "History"})


@pytest.mark.parametrize("languages", [("ru", "en", "ru"), ("en", "ru", "en")])
def test_the_same_output_as_djangos_tag_whichever_language_comes_first(languages):
    ours = engines["django"].from_string("{% load i18n console_i18n %}" + BODY)
    for language in languages:
        with translation.override(language):
            assert ours.render({"v": "History"}) == render("{% load i18n %}", language)
    assert render("{% load i18n console_i18n %}", "ru").startswith("Главная|Log out|История")


def test_only_constant_strings_are_kept():
    template = engines["django"].from_string("{% load i18n console_i18n %}" + BODY).template
    kept = [node for node in template.nodelist if isinstance(node, ConstantTranslateNode)]
    assert len(kept) == 2  # "Home" and "Log out" noop; not the variable, `as` or the filter
