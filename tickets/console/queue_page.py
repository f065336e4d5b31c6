"""The queue page's parts, each written once per page in Python.

The admin draws a changelist through about a dozen templates (the filters one per filter, the
search box, the action bar, the table, the pages), ~70 template loops in all: at 1M requests
that was more than half of the queue's time. Here the same HTML comes from the admin's own
data (`ChangeList`, its filters' `choices()`, `result_headers`, the paginator), written in one
pass each; the rows are queue_rows'. `templates/admin/tickets/ticket/queue.html` puts the
parts in the console's chrome (`admin/console_page.html`).

A filter with a template of its own that is not written here is rendered by its template.
"""

from django.contrib.admin.templatetags.admin_list import (
    admin_list_filter,
    paginator_number,
    result_headers,
)
from django.contrib.admin.views.main import SEARCH_VAR
from django.templatetags.static import static
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tickets.console import queue_rows
from tickets.console.filters import OrganisationFilter
from tickets.console.queue_rows import escape
from tickets.templatetags.console_tags import counted, counted_more_than

GENERIC_FILTER = "admin/filter.html"


def _text(value) -> str:
    """A value as the template engine prints it: escaped unless already safe."""
    return str(value) if isinstance(value, SafeData) else escape(value)


class QueuePage:
    """The parts of one queue page, from the changelist view's context."""

    def __init__(self, context: dict, rows: list):
        self.cl = context["cl"]
        self.context = context
        self.rows = rows
        self.paginator = self.cl.paginator

    @classmethod
    def for_context(cls, context: dict) -> "QueuePage | None":
        """The page, or None when the admin's own templates must draw it (a popup, other
        columns than the queue's)."""
        cl = context.get("cl")
        if cl is None or cl.is_popup:
            return None
        rows = queue_rows.rows(cl)
        return None if rows is None else cls(context, rows)

    # --- Counts --------------------------------------------------------------------------

    @property
    def capped(self) -> bool:
        return bool(getattr(self.paginator, "is_capped", False))

    def count_text(self) -> str:
        """ "5 обращений", or "Более 1000 обращений" for a capped count."""
        if self.capped:
            return counted_more_than(self.cl.opts, self.paginator.cap)
        return counted(self.cl.opts, self.cl.result_count)

    def _total(self) -> str:
        """The number of matching requests for the select-all texts ("более 1000" if capped)."""
        if not self.capped:
            return str(self.cl.result_count)
        text = _("More than %(count)d") % {"count": self.paginator.cap}
        return text[:1].lower() + text[1:]

    # --- The filters ---------------------------------------------------------------------

    def filters(self) -> SafeString:
        cl = self.cl
        if not cl.has_filters:
            return SafeString("")
        parts = [
            '<search id="changelist-filter" aria-labelledby="changelist-filter-header">'
            f'<h2 id="changelist-filter-header">{escape(_("Filter"))}</h2>'
        ]
        if cl.has_active_filters:
            parts.append(
                '<div id="changelist-filter-extra-actions"><h3>'
                f'<a href="{escape(cl.clear_all_filters_qs)}">&#10006; '
                f"{escape(_('Clear all filters'))}</a></h3></div>"
            )
        for spec in cl.filter_specs:
            parts.append(self._filter(spec))
        parts.append("</search>")
        return mark_safe("\n".join(parts))  # noqa: S308  (escaped above)

    def _filter(self, spec) -> str:
        if isinstance(spec, OrganisationFilter):
            return self._organisation_filter(spec)
        if spec.template != GENERIC_FILTER:
            return admin_list_filter(self.cl, spec)
        items = "".join(self._choice(choice) for choice in spec.choices(self.cl))
        return f"{self._filter_head(spec)}<ul>{items}</ul></details>"

    @staticmethod
    def _filter_head(spec) -> str:
        title = escape(spec.title)
        summary = escape(_(" By %(filter_title)s ") % {"filter_title": spec.title})
        return f'<details data-filter-title="{title}" open><summary>{summary}</summary>'

    @staticmethod
    def _choice(choice: dict) -> str:
        selected = ' class="selected"' if choice.get("selected") else ""
        href = escape(iri_to_uri(choice["query_string"]))
        return f'<li{selected}><a href="{href}">{_text(choice["display"])}</a></li>'

    def _organisation_filter(self, spec) -> str:
        choices = list(spec.choices(self.cl))  # also fills spec.hidden
        hidden = "".join(
            f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
            for name, value in spec.hidden
        )
        label = escape(_("Organisation name"))
        parts = [
            self._filter_head(spec),
            '<form method="get" class="console-org-filter" role="search">',
            hidden,
            f'<input type="search" name="{spec.TEXT}" value="{escape(spec.text)}" '
            f'id="console-org-search" aria-label="{label}" placeholder="{label}">'
            f'<button type="submit">{escape(_("Find"))}</button></form>',
        ]
        if choices:
            items = "".join(
                '<li class="console-muted">…</li>' if c.get("more") else self._choice(c)
                for c in choices
            )
            parts.append(f"<ul>{items}</ul>")
        parts.append("</details>")
        return "".join(parts)

    # --- The search box ------------------------------------------------------------------

    def toolbar(self) -> SafeString:
        cl = self.cl
        if not cl.search_fields:
            return SafeString("")
        name = escape(_("Search %(name)s") % {"name": cl.opts.verbose_name_plural})
        kept = "".join(
            f'<input type="hidden" name="{escape(key)}" value="{escape(value)}">'
            for key, value in cl.params.items()
            if key != SEARCH_VAR
        )
        help_text = ""
        described = ""
        if cl.search_help_text:
            described = ' aria-describedby="searchbar_helptext"'
            help_text = (
                '<br class="clear"><div class="help" id="searchbar_helptext">'
                f"{_text(cl.search_help_text)}</div>"
            )
        count = ""
        if cl.result_count != cl.full_result_count:
            count = (
                f'<span class="small quiet">{escape(self.count_text())} '
                f'(<a href="?">{escape(_("Show all"))}</a>)</span>'
            )
        return mark_safe(  # noqa: S308  (escaped above)
            '<div id="toolbar">'
            f'<h2 id="changelist-search-form" class="visually-hidden">{name}</h2>'
            '<form id="changelist-search" method="get" role="search" '
            'aria-labelledby="changelist-search-form"><div>'
            f'<label for="searchbar"><img src="{escape(static("admin/img/search.svg"))}" '
            'alt="Search"></label>'
            f'<input type="text" size="40" name="{SEARCH_VAR}" value="{escape(cl.query)}" '
            f'id="searchbar"{described}>'
            f'<input type="submit" value="{escape(_("Search"))}">'
            f"{count}{kept}</div>{help_text}</form></div>"
        )

    # --- The action bar ------------------------------------------------------------------

    def actions(self, index: int = 0) -> SafeString:
        context = self.context
        form = context.get("action_form")
        if not form or not self.cl.show_admin_actions:
            return SafeString("")
        fields = "".join(
            f"<label>{escape(field.label)} {field}</label>" if field.label else str(field)
            for field in form
        )
        parts = [
            f'<div class="actions">{fields}'
            f'<button type="submit" class="button" name="index" value="{index}">'
            f"{escape(_('Run'))}</button>"
        ]
        if context.get("actions_selection_counter"):
            shown = len(self.cl.result_list)
            parts.append(
                f'<span class="action-counter" data-actions-icnt="{shown}" aria-live="polite" '
                f'aria-atomic="true">{escape(_("0 of %(cnt)s selected") % {"cnt": shown})}</span>'
            )
            if self.cl.result_count != shown:
                parts.append(self._select_all())
        parts.append("</div>")
        return mark_safe("".join(parts))  # noqa: S308  (escaped above)

    def bottom_actions(self) -> SafeString:
        return self.actions(index=1)

    def _select_all(self) -> str:
        # "more than N": the plural form of N (a round number), as "all N selected" reads.
        count = self.paginator.cap if self.capped else self.cl.result_count
        total = self._total()
        everything = ngettext("%(total_count)s selected", "All %(total_count)s selected", count) % {
            "total_count": total
        }
        question = _("Select all %(total_count)s %(module_name)s") % {
            "total_count": total,
            "module_name": self.context["module_name"],
        }
        return (
            f'<span class="all hidden">{escape(everything)}</span>'
            f'<span class="question hidden"><a role="button" href="#">{escape(question)}</a></span>'
            f'<span class="clear hidden"><a role="button" href="#">'
            f"{escape(_('Clear selection'))}</a></span>"
        )

    # --- The table -----------------------------------------------------------------------

    def results(self) -> SafeString:
        if not self.rows:
            return SafeString("")
        headers = list(result_headers(self.cl))
        sorted_fields = sum(1 for h in headers if h["sortable"] and h["sorted"])
        head = "".join(self._header(header, sorted_fields) for header in headers)
        body = "".join(f"<tr>{cells}</tr>" for [cells] in self.rows)
        return mark_safe(  # noqa: S308  (escaped here and in queue_rows)
            '<div class="results"><table id="result_list">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )

    @staticmethod
    def _header(header: dict, sorted_fields: int) -> str:
        options = ""
        if header["sortable"] and header["sort_priority"] > 0:
            priority = ""
            if sorted_fields > 1:
                title = escape(
                    _("Sorting priority: %(priority_number)s")
                    % {"priority_number": header["sort_priority"]}
                )
                priority = (
                    f'<span class="sortpriority" title="{title}">{header["sort_priority"]}</span>'
                )
            direction = "ascending" if header["ascending"] else "descending"
            options = (
                '<div class="sortoptions">'
                f'<a class="sortremove" href="{escape(header["url_remove"])}" '
                f'title="{escape(_("Remove from sorting"))}"></a>{priority}'
                f'<a href="{escape(header["url_toggle"])}" class="toggle {direction}" '
                f'title="{escape(_("Toggle sorting"))}"></a></div>'
            )
        text = header["text"]  # the checkbox of the first column is markup already
        text = str(text) if isinstance(text, SafeData) else escape(capfirst(text))
        if header["sortable"]:
            text = f'<a role="button" href="{escape(header["url_primary"])}">{text}</a>'
        else:
            text = f"<span>{text}</span>"
        return (
            f'<th scope="col"{header["class_attrib"]}>{options}'
            f'<div class="text">{text}</div><div class="clear"></div></th>'
        )

    # --- The pages -----------------------------------------------------------------------

    def pagination(self) -> SafeString:
        cl = self.cl
        name = escape(_("Pages of the list: %(name)s") % {"name": cl.opts.verbose_name_plural})
        pages = ""
        if (not cl.show_all or not cl.can_show_all) and cl.multi_page:
            links = "".join(
                f"<li>{paginator_number(cl, number)}</li>"
                for number in self.paginator.get_elided_page_range(cl.page_num)
            )
            pages = f"<ul>{links}</ul>"
        show_all = ""
        if cl.can_show_all and not cl.show_all and cl.multi_page:
            url = escape(cl.get_query_string({"all": ""}))
            show_all = f'<a href="{url}" class="showall">{escape(_("Show all"))}</a>'
        return mark_safe(  # noqa: S308  (escaped above)
            '<nav class="paginator" aria-labelledby="pagination">'
            f'<h2 id="pagination" class="visually-hidden">{name}</h2>{pages}'
            f'<span class="console-count">{escape(self.count_text())}</span>{show_all}</nav>'
        )
