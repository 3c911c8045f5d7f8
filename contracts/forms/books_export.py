"""The period of the bookkeeper's export (contracts/views/books_export.py): a quick pick, or two dates.

A quick pick (last quarter, last year) wins over typed dates; without one, both dates are
needed and the first may not come after the last. Dates before 2000 are typos: Mijlpaal holds
no invoices from then, and the tax records of the last seven years are what matters.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.books_export import Period
from projects.forms.projects import DateInput

EARLIEST = date(2000, 1, 1)
LAST_QUARTER = "last_quarter"
LAST_YEAR = "last_year"


def last_quarter(today: date) -> Period:
    """The calendar quarter before the one ``today`` is in."""
    first_of_this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = first_of_this - timedelta(days=1)
    return Period(date(last.year, 3 * ((last.month - 1) // 3) + 1, 1), last)


def last_year(today: date) -> Period:
    return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))


QUICK_PICKS = {LAST_QUARTER: last_quarter, LAST_YEAR: last_year}


class BooksExportForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("The dates below")), (LAST_QUARTER, _("Last quarter")), (LAST_YEAR, _("Last year"))],
        error_messages={"invalid_choice": _("Choose last quarter, last year, or type the dates.")},
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a date, such as 2026-07-01.")},
    )
    date_to = forms.DateField(
        label=_("To (inclusive)"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a date, such as 2026-09-30.")},
    )

    def __init__(self, *args, today: date | None = None, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.period_chosen: Period | None = None  # set by a valid form
        if not self.is_bound:
            quarter = last_quarter(self.today)
            self.initial.setdefault("date_from", quarter.first)
            self.initial.setdefault("date_to", quarter.last)

    def clean_date_from(self):
        first = self.cleaned_data.get("date_from")
        if first is not None and first < EARLIEST:
            raise forms.ValidationError(_("Choose a date in 2000 or later."))
        return first

    def clean(self):
        cleaned = super().clean()
        pick = cleaned.get("period")
        if pick:
            self.period_chosen = QUICK_PICKS[pick](self.today)
            return cleaned
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if "date_from" not in self.errors and first is None:
            self.add_error("date_from", _("Enter the first day of the period."))
        if "date_to" not in self.errors and last is None:
            self.add_error("date_to", _("Enter the last day of the period."))
        if first is not None and last is not None:
            if first > last:
                self.add_error("date_to", _("The last day cannot come before the first day."))
            else:
                self.period_chosen = Period(first, last)
        return cleaned
