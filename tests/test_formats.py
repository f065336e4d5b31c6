"""proftiket.formats: dates and times by name, in each language."""

from datetime import date, datetime

import pytest
from django.conf import settings
from django.utils import formats, translation

from proftiket.formats import CUSTOM_FORMATS

MOMENT = datetime(2026, 11, 30, 9, 5)


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("name", CUSTOM_FORMATS)
def test_every_language_defines_the_custom_formats(language, name):
    with translation.override(language):
        assert formats.get_format(name) != name


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("ru", "SHORT_DATETIME_FORMAT", "30.11.2026 09:05"),
        ("ru", "SHORT_DATE_FORMAT", "30.11.2026"),
        ("ru", "COMPACT_DATETIME_FORMAT", "30.11 09:05"),
        ("ru", "SHORT_YEAR_MONTH_FORMAT", "11.2026"),
        ("ru", "DATE_FORMAT", "30 ноября 2026 г."),
        ("en", "SHORT_DATETIME_FORMAT", "30.11.2026 09:05"),
        ("en", "DATE_FORMAT", "30 November 2026"),
        ("en", "SHORT_DAY_MONTH_FORMAT", "30.11"),
    ],
)
def test_formats_read_as_before_in_each_language(language, name, expected):
    with translation.override(language):
        assert formats.date_format(MOMENT, name) == expected


def test_months_are_named_in_the_language():
    with translation.override("ru"):
        assert formats.date_format(date(2026, 11, 1), "YEAR_MONTH_FORMAT") == "Ноябрь 2026"
