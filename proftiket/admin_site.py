"""The admin site of the console: Django's, plus input checks that every model admin needs."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from proftiket.errors import InvalidInput


class ConsoleAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        """Every model admin's views refuse a bulk-action selection that is not an ID (400).

        The admin filters the list with the posted IDs as they are; a value that is not a
        primary key ("abc", or a number out of the column's range) made the query fail: 500.
        """
        model_admin = getattr(view, "__self__", None)
        if isinstance(model_admin, admin.ModelAdmin):
            view = _with_checked_selection(view, model_admin.model)
        return super().admin_view(view, cacheable)


def _with_checked_selection(view, model):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.method == "POST":
            refuse_malformed_selection(request.POST.getlist(ACTION_CHECKBOX_NAME), model)
        return view(request, *args, **kwargs)

    return checked


def refuse_malformed_selection(values, model) -> None:
    """Raise InvalidInput unless every value is a valid primary key of `model`."""
    pk = model._meta.pk
    for value in values:
        try:
            pk.run_validators(pk.to_python(value))
        except (ValidationError, TypeError, ValueError) as error:
            raise InvalidInput(
                _("The selection is not valid. Reload the list and choose the rows again."),
                detail=f"bulk action with a malformed id {value[:40]!r}",
            ) from error
