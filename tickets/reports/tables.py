"""Report tables: columns and rows of plain values, shown as HTML and downloaded as CSV.

A table holds raw values (numbers, timedeltas, datetimes, ticket references); `display_rows`
formats them for the page in the user's language, `csv_lines` for a spreadsheet.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from itertools import chain

from django.utils import formats, timezone
from django.utils.translation import get_language

from tickets.formatting import duration_text

BOM = "\ufeff"
# A cell starting with one of these is a formula to Excel or LibreOffice (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class Kind(StrEnum):
    """What a column holds, which decides how it is shown and exported."""

    TEXT = "text"
    COUNT = "count"
    PERCENT = "percent"  # a float 0–100
    SCORE = "score"  # an average rating, a float 1–5
    DURATION = "duration"  # a timedelta, shown in hours and minutes
    DATETIME = "datetime"
    DATE = "date"
    WEEK = "week"  # the Monday a week starts on
    MONTH = "month"  # the first day of a month
    TICKET = "ticket"  # a TicketRef


NUMERIC = frozenset({Kind.COUNT, Kind.PERCENT, Kind.SCORE, Kind.DURATION})


@dataclass(frozen=True)
class TicketRef:
    """A request in a table: its ID, and a link to it (built only when shown on a page, not
    for every row of an export)."""

    pk: int
    reference: str
    link: Callable[[int, str], str]

    @property
    def url(self) -> str:
        return self.link(self.pk, self.reference)


@dataclass(frozen=True)
class Column:
    """A column's heading, kind, and what it says for an empty value."""

    label: str
    kind: Kind = Kind.TEXT
    empty: str = ""  # said when the value is None (e.g. "still open" for a lateness)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass(frozen=True)
class Cell:
    """A value formatted for the page (with a link for a request)."""

    text: str
    url: str = ""
    numeric: bool = False


@dataclass
class Table:
    """A titled table. `rows` is a list for the page, or a generator for a streamed export;
    `total` is the number of rows there are when the page shows only the first ones."""

    name: str
    title: str
    columns: list[Column]
    rows: Iterable[tuple]
    total: int | None = None
    note: str = ""
    footer: list[tuple] = field(default_factory=list)  # totals, shown after the rows

    @property
    def truncated(self) -> bool:
        return self.total is not None and self.total > len(self.rows)

    def display_rows(self) -> list[list[Cell]]:
        return [self._display(row) for row in self.rows]

    def display_footer(self) -> list[list[Cell]]:
        return [self._display(row) for row in self.footer]

    def _display(self, row) -> list[Cell]:
        return [
            display_cell(column, value) for column, value in zip(self.columns, row, strict=True)
        ]


def display_cell(column: Column, value) -> Cell:
    """A value formatted for the page in the active language."""
    numeric = column.numeric
    if value is None or value == "":
        return Cell(str(column.empty) or "—", numeric=numeric)
    if isinstance(value, str):  # a label, such as "Total" in the first column of a footer
        return Cell(value)
    match column.kind:
        case Kind.TICKET:
            return Cell(value.reference, url=value.url)
        case Kind.COUNT:
            return Cell(formats.number_format(value, force_grouping=True), numeric=True)
        case Kind.PERCENT:
            return Cell(f"{formats.number_format(value, decimal_pos=1)} %", numeric=True)
        case Kind.SCORE:
            return Cell(formats.number_format(value, decimal_pos=2), numeric=True)
        case Kind.DURATION:
            return Cell(duration_text(value), numeric=True)
        case Kind.DATETIME:
            return Cell(formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT"))
        case Kind.DATE | Kind.WEEK:
            return Cell(formats.date_format(value, "SHORT_DATE_FORMAT"))
        case Kind.MONTH:
            return Cell(formats.date_format(value, "YEAR_MONTH_FORMAT"))
    return Cell(str(value))


# --- CSV ----------------------------------------------------------------------------------


def hours_minutes(value: timedelta) -> str:
    """A duration as a spreadsheet value, hours:minutes (hours may exceed 24): 26:05.

    Excel and LibreOffice read it as a time, so the column sums and sorts; people see
    durations through tickets.formatting.duration_text.
    """
    minutes = round(value.total_seconds() / 60)
    sign = "-" if minutes < 0 else ""
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{minutes:02d}"


def neutralise(text: str) -> str:
    """Make a text cell inert for spreadsheets: a leading =, +, -, @, tab or CR gets a quote."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


@dataclass(frozen=True)
class CsvDialect:
    """Excel reads a CSV with the system's list separator and decimal mark: in Russian ones
    that is a semicolon and a comma, in English ones a comma and a point."""

    delimiter: str
    decimal: str
    tz: tzinfo  # the time zone datetimes are written in (the current one)

    @classmethod
    def for_language(cls, language: str | None) -> "CsvDialect":
        tz = timezone.get_current_timezone()
        if (language or "").startswith("ru"):
            return cls(delimiter=";", decimal=",", tz=tz)
        return cls(delimiter=",", decimal=".", tz=tz)


def csv_value(column: Column, value, dialect: CsvDialect):
    """A value as a CSV cell: numbers stay numbers, every text is neutralised."""
    if value is None or value == "":
        return neutralise(str(column.empty))
    if isinstance(value, str):
        return neutralise(value)
    match column.kind:
        case Kind.TICKET:
            return value.reference
        case Kind.COUNT:
            return int(value)
        case Kind.PERCENT:
            return f"{value:.1f}".replace(".", dialect.decimal)
        case Kind.SCORE:
            return f"{value:.2f}".replace(".", dialect.decimal)
        case Kind.DURATION:
            return hours_minutes(value)
        case Kind.DATETIME:  # ISO 8601 in every language: a value for spreadsheets
            return value.astimezone(dialect.tz).strftime("%Y-%m-%d %H:%M")
        case Kind.DATE | Kind.WEEK:
            return value.isoformat() if isinstance(value, date | datetime) else str(value)
        case Kind.MONTH:
            return value.strftime("%Y-%m")
    return neutralise(str(value))


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer over a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(table: Table, *, language: str | None = None) -> Iterator[str]:
    """The table as CSV text, line by line, starting with a UTF-8 byte order mark."""
    dialect = CsvDialect.for_language(language or get_language())
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter)
    yield BOM + writer.writerow([neutralise(str(column.label)) for column in table.columns])
    for row in chain(table.rows, table.footer):
        yield writer.writerow(
            [csv_value(c, v, dialect) for c, v in zip(table.columns, row, strict=True)]
        )


def percent(part: int, whole: int) -> float | None:
    """part/whole in per cent, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None
