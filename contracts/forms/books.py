"""The period form of the books pages (contracts/views/books.py): a year and a quarter, month
or the whole year, read from the query string. Anything else (a year out of range, a
"quarter 5", a box that does not exist, HTML) is a translated form error, never a 500; future
periods are allowed and simply empty."""

from __future__ import annotations

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from contracts import vat_return
from contracts.vat_return import Period

FIRST_YEAR = 2000
LAST_YEAR = 2100


def period_choices():
    months = [(f"m{n}", formats.date_format(Period(2000, vat_return.MONTH, n).start, "F")) for n in range(1, 13)]
    return [
        (
            _("Quarter"),
            [
                ("q1", _("Q1 (January to March)")),
                ("q2", _("Q2 (April to June)")),
                ("q3", _("Q3 (July to September)")),
                ("q4", _("Q4 (October to December)")),
            ],
        ),
        (_("Month"), months),
        (_("Year"), [(vat_return.YEAR, _("The whole year"))]),
    ]


class PeriodForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        # Text, not type=number: a wrong value is shown back as typed, which a number input cannot.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "year-input", "autocomplete": "off"}),
        error_messages={"invalid": _("Enter a year, for example 2026.")},
    )
    period = forms.ChoiceField(
        label=_("Period"),
        error_messages={"invalid_choice": _("Choose a quarter, a month or the whole year.")},
    )

    def __init__(self, data=None, *, default: Period, **kwargs) -> None:
        # Only the form's own fields count: a missing one takes the default period's value.
        if data is not None:
            data = {
                "year": data.get("year", default.year),
                "period": data.get("period", default.slug),
            }
        super().__init__(data, **kwargs)
        self.fields["period"].choices = period_choices()
        self.initial = {"year": default.year, "period": default.slug}

    def chosen_period(self) -> Period:
        """The chosen period; call after ``is_valid()``."""
        return Period.from_slug(self.cleaned_data["year"], self.cleaned_data["period"])


BOX_CHOICES = [(box, box) for box in (*vat_return.RETURN_BOXES, vat_return.KOR, vat_return.ALL)]


class BoxForm(PeriodForm):
    """The period and the figure whose invoices to list (``all``: every one of the period)."""

    box = forms.ChoiceField(
        label=_("Box"),
        choices=BOX_CHOICES,
        error_messages={"invalid_choice": _("There is no such box on the VAT return.")},
    )

    def __init__(self, data=None, *, default: Period, **kwargs) -> None:
        box = data.get("box", vat_return.ALL) if data is not None else vat_return.ALL
        super().__init__(data, default=default, **kwargs)
        if self.is_bound:
            self.data["box"] = box
        self.initial["box"] = vat_return.ALL
