"""The filters of the report pages, from the query string; any bad value is a form error."""

from datetime import date, timedelta

from django import forms
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from tickets.models import Ticket
from tickets.reports.filters import Filters, bucket_starts, default_period

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
MAX_DAYS = 3660  # ten years
MONTHS_OFFERED = 36


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ReportFilterForm(forms.Form):
    """Period (from/to, default the last 30 days), organisation, type, priority."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        empty_label=_("All organisations"),
        queryset=Organization.objects.order_by("name"),
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *Ticket.Type.choices]
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any priority")), *Ticket.Priority.choices],
    )

    def __init__(
        self, data: QueryDict | None, *, today: date, default_start: date | None = None, **kwargs
    ):
        start, end = default_period(today)
        data = data.copy() if data is not None else QueryDict(mutable=True)
        for key, value in (("from", default_start or start), ("to", end)):
            if not data.get(key):
                data[key] = value.isoformat()
        super().__init__(data, **kwargs)
        # "from" is a Python keyword, hence not a declared field.
        self.fields = {"from": _date_field(_("From")), "to": _date_field(_("To")), **self.fields}
        self.today = today

    def clean(self):
        data = super().clean()
        for key in ("from", "to"):
            day = data.get(key)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(key, _("Choose a date between 2000 and 2100."))
                data[key] = None
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period starts after it ends."), code="order")
        if start and end and (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(
                _("The period is too long: ten years at most."), code="too_long"
            )
        return data

    def filters(self, *, organization_id: int | None = None) -> Filters:
        """The validated filters; `organization_id`, when given, wins over the form's."""
        data = self.cleaned_data
        organisation = data.get("organisation")
        return Filters(
            start=data["from"],
            end=data["to"],
            organization_id=organization_id or (organisation.pk if organisation else None),
            type=data.get("type") or None,
            priority=data.get("priority"),
        )


class CustomerReportForm(ReportFilterForm):
    """A customer manager's filters: no organisation (always their own), and a month picker
    over their contract; the period defaults to the contract's start to today."""

    month = forms.ChoiceField(label=_("Month"), required=False)

    def __init__(self, data, *, today: date, contract_start: date | None, **kwargs):
        super().__init__(data, today=today, default_start=contract_start, **kwargs)
        del self.fields["organisation"]
        first = max(contract_start or today, today - timedelta(days=31 * MONTHS_OFFERED))
        months = reversed(bucket_starts(first, today, "month"))
        self.fields["month"].choices = [
            ("", _("Whole period")),
            *(
                (m.isoformat()[:7], formats.date_format(m, "SHORT_YEAR_MONTH_FORMAT"))
                for m in months
            ),
        ]
        self.fields = {"month": self.fields.pop("month"), **self.fields}

    def clean(self):
        month = self.cleaned_data.get("month")
        if month:
            start = date.fromisoformat(f"{month}-01")
            next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
            self.cleaned_data["from"] = start
            self.cleaned_data["to"] = min(next_month - timedelta(days=1), self.today)
        return super().clean()

    def filters(self, *, organization_id: int | None = None) -> Filters:
        if organization_id is None:
            raise ValueError("The customer's report is always for their own organisation.")
        return super().filters(organization_id=organization_id)
