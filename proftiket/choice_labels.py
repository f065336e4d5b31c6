"""get_FOO_display() without rebuilding the choices on every call.

Django's Model._get_FIELD_display makes a dictionary of the field's choices on each call,
hashing every (value, label) pair on the way, and hashing a lazy label translates it: a
request page called it ~15 times (each history entry three times), ~20 µs a call. Here the
dictionary is built once per field; the label stays lazy until shown, so it is still in the
language of the moment.
"""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_labels: dict = {}  # field -> {value: lazy label}; as many entries as fields with choices


class ChoiceLabels:
    """Model mixin (listed before models.Model): the faster get_FOO_display()."""

    def _get_FIELD_display(self, field):
        if not isinstance(field.choices, list | tuple):  # callable choices may change
            return super()._get_FIELD_display(field)
        labels = _labels.get(field)
        if labels is None:
            labels = _labels[field] = {make_hashable(v): label for v, label in field.flatchoices}
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
