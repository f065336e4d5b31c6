"""Strings of Django itself that its Russian catalogue lacks, translated in ours.

makemessages only keeps msgids it finds in our code; listing them here keeps them.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS_MISSING_IN_RUSSIAN = [
    gettext_noop("- Select an option -"),  # new in Django 6.1's admin selects
]
