"""Strings of Django itself that we translate in our own catalogue.

makemessages only keeps msgids it finds in our code; listing them here keeps them. Our
catalogue comes before Django's (LOCALE_PATHS), so these also replace Django's Russian where it
is missing or ungrammatical: the admin builds "{name} “{obj}” был изменен" whatever the gender
of the model's name ("обращение", "организация"), so ours say "Запись … изменена" instead.
"""

from django.utils.translation import gettext_noop, ngettext_noop

DJANGO_STRINGS_MISSING_IN_RUSSIAN = [
    gettext_noop("- Select an option -"),  # new in Django 6.1's admin selects
]

DJANGO_ADMIN_MESSAGES_IN_GRAMMATICAL_RUSSIAN = [
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    ngettext_noop(
        "%(count)s %(name)s was changed successfully.",
        "%(count)s %(name)s were changed successfully.",
    ),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Search %(name)s"),
    gettext_noop("Pagination %(name)s"),
    gettext_noop("Pagination %(name)s entries"),
    gettext_noop("0 of %(cnt)s selected"),
    gettext_noop("Show all"),
]
