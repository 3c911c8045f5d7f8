"""The forms of the rates and surcharges pages (contracts/views/rates.py).

A new own rate is a new row of the rate history, never an edit: hours already logged keep the
rate of their moment, and a contract already sent shows the rates it was sent with. It starts
today or later: a rate that starts in the past would quietly reprice the hours a client was
told about. The floor rate is the business profile's (one field, also on the business
settings page). Surcharge rules are checked by the model (`SurchargeRule.clean`), so the
admin and these forms refuse the same things.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import BusinessProfile, HourlyRate, SurchargeRule
from projects.forms.projects import DateInput

RATE_MAX = Decimal("2000.00")  # per hour, excl. VAT: above this it is a typo (95000 for 95.00)
RATE_MIN = Decimal("0.01")
REASON_MAX = HourlyRate._meta.get_field("reason").max_length
FURTHEST_START = timedelta(days=2 * 366)  # a rate announced up to two years ahead


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class HourlyRateForm(forms.ModelForm):
    """A new own rate (no client): amount, the reason the client sees, and the day it starts."""

    amount = forms.DecimalField(
        label=_("Hourly rate (excl. VAT)"),
        max_digits=8,
        decimal_places=2,
        min_value=RATE_MIN,
        max_value=RATE_MAX,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=_("Reason the client sees"),
        max_length=REASON_MAX,
        help_text=_("For example: more experience. Raising a rate is fine when you explain it."),
    )

    class Meta:
        model = HourlyRate
        fields = ["amount", "reason", "valid_from"]
        widgets = {"valid_from": DateInput()}

    def __init__(self, *args, owner, today=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.today = today or timezone.localdate()
        self.fields["valid_from"].help_text = _("Today or later: hours already logged keep their rate.")
        if not self.is_bound:
            self.initial.setdefault("valid_from", self.today)

    def clean_valid_from(self):
        day = self.cleaned_data["valid_from"]
        if day < self.today:
            raise forms.ValidationError(_("A new rate starts today or later, not in the past."))
        if day > self.today + FURTHEST_START:
            raise forms.ValidationError(_("A new rate starts within two years."))
        if HourlyRate.objects.filter(owner=self.owner, client__isnull=True, valid_from=day).exists():
            raise forms.ValidationError(_("You already have a rate from that day."))
        return day

    def save(self, commit=True) -> HourlyRate:
        self.instance.owner = self.owner
        self.instance.client = None
        return super().save(commit=commit)


class FloorRateForm(forms.ModelForm):
    """The business profile's floor rate, on its own: the lowest effective rate you accept."""

    floor_rate = forms.DecimalField(
        label=_("Your floor rate"),
        required=False,
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=RATE_MAX,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text=_("The lowest effective hourly rate that still pays your bills. Projects below it get a warning."),
    )

    class Meta:
        model = BusinessProfile
        fields = ["floor_rate"]


class SurchargeRuleForm(forms.ModelForm):
    """A new rule: what it applies to, the multiplier, and the day or hours where needed."""

    class Meta:
        model = SurchargeRule
        fields = ["name", "applies_to", "multiplier", "month", "day", "evening_from", "evening_until"]
        widgets = {
            "multiplier": forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
            "evening_from": TimeInput(),
            "evening_until": TimeInput(),
        }
        help_texts = {
            "month": _("Only for a named day, e.g. 12 for Christmas Eve."),
            "day": _("Only for a named day, e.g. 24 for Christmas Eve."),
            "evening_from": _("Only for evening hours."),
        }

    def __init__(self, *args, owner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.instance.owner = owner
        for name in ("evening_from", "evening_until"):
            # A callable default makes Django render a hidden copy of the initial value, with an
            # aria-describedby that HTML does not allow on a hidden input; the form needs no copy.
            self.fields[name].show_hidden_initial = False

    def clean(self):
        cleaned = super().clean()
        applies_to = cleaned.get("applies_to")
        if applies_to and applies_to != SurchargeRule.Applies.NAMED_DAY:
            cleaned["month"] = cleaned["day"] = None  # only a named day has a date
        evening = applies_to == SurchargeRule.Applies.EVENING
        if evening and not (cleaned.get("evening_from") and cleaned.get("evening_until")):
            self.add_error("evening_from", _("Evening hours need a start and an end."))
        name = cleaned.get("name")
        if name and SurchargeRule.objects.filter(owner=self.owner, name__iexact=name.strip()).exists():
            self.add_error("name", _("You already have a surcharge with this name."))
        return cleaned


class MultiplierForm(forms.ModelForm):
    """One rule's multiplier, edited in its row."""

    class Meta:
        model = SurchargeRule
        fields = ["multiplier"]
        widgets = {"multiplier": forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"})}
