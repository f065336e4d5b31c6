"""Model instances from the rows of SQL written once per process (sla.contract_lookup,
tickets.console.request_row): the columns of several models side by side in one row, each
turned into an instance the way the ORM does it (the fields' own converters, Model.from_db),
without compiling a queryset on every call."""

from django.db import connections
from django.db.models.expressions import Col


def reader(alias: str, model, part: str, start: int) -> tuple:
    """How to read one model's columns from a row starting at `start`: (model, first column,
    attnames, [(index, column, converters)] for the fields that need converting). `part` is
    the table alias the columns were selected from. Build it once per database."""
    connection = connections[alias]
    fields = model._meta.concrete_fields
    converting = []
    for index, field in enumerate(fields):
        column = Col(part, field, field)
        found = field.get_db_converters(connection) + connection.ops.get_db_converters(column)
        if found:
            converting.append((index, column, found))
    return model, start, [f.attname for f in fields], converting


def readers(alias: str, parts) -> list:
    """A reader for each (model, table alias) of `parts`, their columns one after another."""
    found, start = [], 0
    for model, part in parts:
        found.append(reader(alias, model, part, start))
        start += len(model._meta.concrete_fields)
    return found


def instance(connection, reader, row):
    """The row's instance of one model (None where a LEFT JOIN found nothing)."""
    model, start, names, converting = reader
    values = list(row[start : start + len(names)])
    if values[0] is None:  # the primary key
        return None
    for index, column, converters in converting:
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return model.from_db(connection.alias, names, values)
