"""Cursor pages whose broken cursor is a 400 (not DRF's 404 or a server error)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (exceptions.NotFound, DjangoValidationError, ValueError) as broken:
            # A cursor is opaque: one not from our `next`/`previous` links is the client's error.
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("Use the `next` or `previous` link of a page.")]}
            ) from broken
