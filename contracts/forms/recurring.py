"""The forms of a recurring agreement (contracts/views/recurring.py): the agreement, and its lines.

The client is one of the freelancer's own (another freelancer's id is "not one of the
choices"). Once a period has been drafted, the first day, the period and the drafting day are
fixed: the drafted periods are numbered from them. Amounts are never negative: a discount is a
lower price.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.forms.invoices import VAT_CHOICES, FiniteDecimalField, vat_key, vat_rate
from contracts.models import RecurringAgreement, RecurringLine
from projects.forms.projects import DateInput
from projects.models import Client

EARLIEST_START = timedelta(days=366)  # a start up to a year back: its past periods are drafted too
FURTHEST_START = timedelta(days=2 * 366)
MAX_LINES = 20


class RecurringAgreementForm(forms.ModelForm):
    class Meta:
        model = RecurringAgreement
        fields = ["client", "description", "period", "start_date", "end_date", "draft_day"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, owner, today: date | None = None, locked: bool = False, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.instance.owner = owner
        self.today = today or timezone.localdate()
        client = self.fields["client"]
        client.queryset = Client.objects.filter(owner=owner).order_by("name", "pk")
        client.empty_label = _("Choose a client")
        client.error_messages["invalid_choice"] = _("Choose one of your own clients.")
        self.fields["draft_day"].widget.attrs.update({"min": 1, "max": RecurringAgreement.LAST_DRAFT_DAY})
        self.fields["description"].widget.attrs["autocomplete"] = "off"
        self.fields["start_date"].help_text = _(
            "The first day of the first period. Periods since then whose drafting day has passed are drafted too."
        )
        self.locked = locked
        if locked:
            for name in ("client", "start_date", "period", "draft_day"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed: invoices for this agreement have been drafted.")
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("start_date", self.today)

    def clean_start_date(self):
        day = self.cleaned_data["start_date"]
        if self.locked:
            return day
        if day < self.today - EARLIEST_START:
            raise forms.ValidationError(_("The first day is at most a year ago."))
        if day > self.today + FURTHEST_START:
            raise forms.ValidationError(_("The first day is within two years."))
        return day

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last day cannot come before the first day."))
        return cleaned

    def save(self, commit=True) -> RecurringAgreement:
        if not self.locked:
            # Drafting starts at the first day; a new first day (nothing drafted yet) moves it.
            self.instance.drafts_from = self.instance.start_date
        return super().save(commit=commit)


class RecurringLineForm(forms.ModelForm):
    vat_percent = forms.TypedChoiceField(label=_("VAT"), choices=VAT_CHOICES, coerce=vat_rate, initial="21")

    class Meta:
        model = RecurringLine
        fields = ["description", "quantity", "unit", "unit_price", "vat_percent"]
        field_classes = {"quantity": FiniteDecimalField, "unit_price": FiniteDecimalField}

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["vat_percent"] = vat_key(self.instance.vat_percent)
        self.fields["unit_price"].label = _("Price per unit (excl. VAT)")
        self.fields["unit_price"].widget.attrs.update({"step": "0.01", "inputmode": "decimal", "min": "0"})
        self.fields["quantity"].widget.attrs.update({"step": "0.01", "inputmode": "decimal", "min": "0.01"})
        self.fields["description"].widget.attrs["autocomplete"] = "off"
        self.fields["quantity"].error_messages["min_value"] = _("The quantity is more than zero.")
        self.fields["unit_price"].error_messages["min_value"] = _(
            "A price is not negative: give a discount as a lower price."
        )


class BaseLineFormSet(forms.BaseInlineFormSet):
    def __init__(self, data=None, *args, **kwargs) -> None:
        if data is not None:
            data = sound_management_form(data, kwargs.get("prefix") or "lines", kwargs.get("instance"))
        super().__init__(data, *args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        kept += [f for f in self.forms if f.instance.pk and not f.has_changed() and not self._should_delete_form(f)]
        if not kept:
            raise forms.ValidationError(_("An agreement needs at least one line to invoice."))


def sound_management_form(data, prefix: str, agreement: RecurringAgreement | None):
    """The posted data, with the formset's hidden counts rebuilt when they are missing or not numbers.

    Nobody types those counts; a tampered or cut-off form would otherwise show no rows at all, and
    lose every line the freelancer typed. Rebuilt from the rows posted and the lines saved.
    """
    names = {f"{prefix}-{name}": None for name in ("TOTAL_FORMS", "INITIAL_FORMS")}
    if all(str(data.get(name, "")).isascii() and str(data.get(name, "")).isdigit() for name in names):
        return data
    row = re.compile(rf"^{re.escape(prefix)}-(\d{{1,4}})-")
    rows = {int(match.group(1)) for key in data if (match := row.match(key))}
    total = min(max(rows, default=-1) + 1, MAX_LINES)
    saved = agreement.lines.count() if agreement is not None and agreement.pk else 0
    data = data.copy()
    data[f"{prefix}-TOTAL_FORMS"] = str(max(total, saved))
    data[f"{prefix}-INITIAL_FORMS"] = str(saved)
    return data


LineFormSet = forms.inlineformset_factory(
    RecurringAgreement,
    RecurringLine,
    form=RecurringLineForm,
    formset=BaseLineFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)
