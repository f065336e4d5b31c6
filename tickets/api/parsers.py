"""JSON input: an object of fields, text that can be stored (no lone surrogates)."""

import json

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class ObjectJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise exceptions.ParseError(_("The body must be a JSON object of fields."))
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError as error:
            raise exceptions.ParseError(
                _("The body holds characters that are not text.")
            ) from error
        return data
