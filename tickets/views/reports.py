"""Report pages: parse the filters, ask tickets.reports for the figures, render or stream CSV."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tickets import access, reports
from tickets.reports.customer import contract_for_report
from tickets.reports.forms import CustomerReportForm, ReportFilterForm


def _reports_required(view):
    """Supervisors and administrators; everyone else logged in is refused (403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_view_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _query_without_export(request) -> str:
    query = request.GET.copy()
    for key in ("format", "table"):
        query.pop(key, None)
    return query.urlencode()


def _csv(page_name: str, page, request, filters):
    table_name = request.GET.get("table", "")
    table = reports.export(page, table_name, filters, now=timezone.now())
    if table is None:
        raise Http404
    response = StreamingHttpResponse(
        reports.csv_lines(table), content_type="text/csv; charset=utf-8"
    )
    filename = f"{page_name}-{table.name}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _render(request, page_name: str, page, form, *, organization_id=None):
    context = {
        "form": form,
        "page_name": page_name,
        "page": page,
        "pages": reports.PAGES,
        "query": _query_without_export(request),
    }
    if form.is_valid():
        filters = form.filters(organization_id=organization_id)
        if request.GET.get("format") == "csv":
            return _csv(page_name, page, request, filters)
        context |= {"filters": filters, "report": reports.build(page, filters, now=timezone.now())}
    return render(request, f"reports/{page_name}.html", context)


def _staff_page(page_name: str):
    @_reports_required
    def view(request):
        form = ReportFilterForm(request.GET, today=timezone.localdate())
        return _render(request, page_name, reports.PAGES[page_name], form)

    view.__name__ = page_name
    view.__doc__ = f"The {page_name} report page (and its tables as CSV)."
    return view


overview = _staff_page("overview")
sla_compliance = _staff_page("sla")
times = _staff_page("times")
ageing = _staff_page("ageing")
engineers = _staff_page("engineers")
closure = _staff_page("closure")
satisfaction = _staff_page("satisfaction")


@login_required
def my_sla(request):
    """A customer manager's SLA report: their organisation only, whatever the query says."""
    if access.can_view_reports(request.user):
        return redirect("reports:sla")
    organization_id = access.sla_report_organization(request.user)
    today = timezone.localdate()
    contract = contract_for_report(organization_id, today)
    form = CustomerReportForm(
        request.GET, today=today, contract_start=contract.starts_on if contract else None
    )
    return _render(request, "my_sla", reports.CUSTOMER_PAGE, form, organization_id=organization_id)
