"""Date and time formats per language (settings.FORMAT_MODULE_PATH).

Templates, the console, e-mails and reports name a format (`|date:"SHORT_DATETIME_FORMAT"`,
`formats.date_format(value, "SHORT_DATE_FORMAT")`), never a pattern. Besides Django's own
names each language defines ProfTicket's compact ones:

- COMPACT_DATETIME_FORMAT: day, month and time, for the console queue's narrow column;
- SHORT_DAY_MONTH_FORMAT and SHORT_YEAR_MONTH_FORMAT: the axes of the report charts.

Machine formats (CSV cells, file names, form values) stay ISO 8601 and are not here.
"""

CUSTOM_FORMATS = ("COMPACT_DATETIME_FORMAT", "SHORT_DAY_MONTH_FORMAT", "SHORT_YEAR_MONTH_FORMAT")
