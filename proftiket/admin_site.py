"""The admin site of the console: Django's, plus input checks that every model admin needs."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from proftiket.errors import InvalidInput


class ConsoleAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        """The admin's list of apps, built only when a page uses it.

        Every admin page asks for it (`each_context`), but with the navigation sidebar off
        (proftiket.urls) only the index and the console's home show it: the queue, opened
        all day, built it for nothing (each model's permissions and URLs, ~5% of the page).
        """
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request, app_label))

    def admin_view(self, view, cacheable=False):
        """Every model admin's views refuse malformed admin parameters with a 400.

        - A bulk-action selection that is not a primary key ("abc", or a number beyond the
          column's range): the admin filtered the list with it as it was, and the query failed.
        - An empty `_to_field`: the admin looked up a field named "" (FieldDoesNotExist).
        - A date-hierarchy year, month or day that is not a small number: a huge year made the
          admin's date arithmetic overflow (OverflowError).
        """
        model_admin = getattr(view, "__self__", None)
        if isinstance(model_admin, admin.ModelAdmin):
            view = _with_checked_parameters(view, model_admin)
        return super().admin_view(view, cacheable)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model admin gets autocomplete widgets that survive an invalid submitted value."""
        admin_class = admin_class or admin.ModelAdmin
        admin_class = type(admin_class.__name__, (ValidatedAutocompleteMixin, admin_class), {
            "__module__": admin_class.__module__, "__doc__": admin_class.__doc__,
        })  # fmt: skip
        super().register(model_or_iterable, admin_class, **options)


def _with_checked_parameters(view, model_admin):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.GET.get(TO_FIELD_VAR, None) == "" or request.POST.get(TO_FIELD_VAR, None) == "":
            raise InvalidInput(_("The address is not valid."), detail="empty _to_field")
        refuse_malformed_date_hierarchy(request.GET, model_admin.date_hierarchy)
        if request.method == "POST":
            refuse_malformed_selection(
                request.POST.getlist(ACTION_CHECKBOX_NAME), model_admin.model
            )
        return view(request, *args, **kwargs)

    return checked


DATE_PARTS = {"year": 4, "month": 2, "day": 2}  # the most digits each may have


def refuse_malformed_date_hierarchy(query, date_hierarchy) -> None:
    if not date_hierarchy:
        return
    for part, digits in DATE_PARTS.items():
        values = query.getlist(f"{date_hierarchy}__{part}")
        if any(not (v.isascii() and v.isdigit() and len(v) <= digits) for v in values):
            raise InvalidInput(_("The address is not valid."), detail=f"malformed __{part}")


def refuse_malformed_selection(values, model) -> None:
    """Raise InvalidInput unless every value is a valid primary key of `model`."""
    for value in values:
        if not _is_valid_value(model._meta.pk, value):
            raise InvalidInput(
                _("The selection is not valid. Reload the list and choose the rows again."),
                detail=f"bulk action with a malformed id {value[:40]!r}",
            )


def _is_valid_value(model_field, value) -> bool:
    try:
        model_field.run_validators(model_field.to_python(value))
    except (ValidationError, TypeError, ValueError):
        return False
    return True


class _ValidatedOptions:
    """Shows as chosen only the submitted values that can be keys of the related model.

    After a form error the admin renders the autocomplete with what was submitted; Django
    looked the values up as they were, and "abc" for a numeric key made the page fail (500)
    instead of showing "select a valid choice".
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        name = getattr(remote, "field_name", None)
        key = remote.model._meta.get_field(name) if name else remote.model._meta.pk
        return super().optgroups(name, [v for v in value if _is_valid_value(key, v)], attr)


class ValidatedAutocompleteSelect(_ValidatedOptions, AutocompleteSelect):
    pass


class ValidatedAutocompleteSelectMultiple(_ValidatedOptions, AutocompleteSelectMultiple):
    pass


class ValidatedAutocompleteMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = ValidatedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = ValidatedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
