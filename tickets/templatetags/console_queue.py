"""The queue's result table: the admin's own template and headers (sorting links), the rows
formatted in one pass (tickets.console.queue_rows)."""

from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_list

from tickets.console import queue_rows

register = template.Library()


@register.inclusion_tag("admin/change_list_results.html")
def queue_result_list(cl):
    """The admin's `result_list` context for `cl`, its rows from queue_rows when they fit."""
    rows = queue_rows.rows(cl)
    if rows is None:
        return result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],  # only with list_editable, which the queue has not
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows,
    }
