"""Forms for the freelancer's invoices, payments, reminders and business settings.

The rules stay on the models and in ``contracts.invoices`` and ``contracts.payments``; these forms add what only a form
can know: which fields the page edits, how to say a bad value next to its field, and what
to offer as a sensible default.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import BusinessProfile, Invoice, InvoiceLine
from contracts.paying import PaymentLinkField
from freelance.lib.identifiers import normalise_iban, normalise_identifier, normalise_vat_id

VAT_CHOICES = [("21", "21%"), ("9", "9%"), ("0", _("0% (or no VAT)"))]


def vat_rate(value) -> Decimal:
    """The chosen rate as a Decimal. Its field also compares a posted value while checking for a
    change (a formset does), before it checks the choice: so text that is no number is a
    ValidationError here, not a decimal error."""
    try:
        rate = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        rate = None
    if rate is None or not rate.is_finite():
        raise forms.ValidationError(_("Choose a VAT rate from the list."), code="invalid_choice")
    return rate


class FiniteDecimalField(forms.DecimalField):
    """A DecimalField that refuses NaN and infinity while reading the value, not only while
    validating it: a formset's change check compares the value first, and comparing a signalling
    NaN ("sNaN") raises."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not value.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


def vat_key(value: Decimal | None) -> str:
    """The choice key of a stored VAT rate: Decimal("21.0") is "21"."""
    return str(int(value)) if value is not None else "21"


class InvoiceLineForm(forms.ModelForm):
    vat_percent = forms.TypedChoiceField(label=_("VAT"), choices=VAT_CHOICES, coerce=vat_rate, initial="21")

    class Meta:
        model = InvoiceLine
        fields = ["description", "quantity", "unit", "unit_price", "vat_percent"]
        widgets = {"quantity": forms.NumberInput(attrs={"step": "0.01"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["vat_percent"] = vat_key(self.instance.vat_percent)
        self.fields["unit_price"].label = _("Price per unit (excl. VAT)")
        self.fields["unit_price"].widget.attrs.update({"step": "0.01", "inputmode": "decimal"})
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"
        self.fields["unit"].widget.attrs["list"] = "invoice-units"
        self.fields["description"].widget.attrs["autocomplete"] = "off"


class InvoiceDraftForm(forms.ModelForm):
    """What the freelancer may still set on a draft before it is numbered and frozen."""

    class Meta:
        model = Invoice
        fields = ["payment_term_days", "delivery_date", "reverse_charge", "note", "payment_link"]
        widgets = {
            "delivery_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "reverse_charge": _(
                "Only for a business client in another EU country, or for work that Dutch law puts under the "
                "reverse-charge rule (such as subcontracted construction work). The invoice then charges no VAT, "
                "states “btw verlegd” and needs the client’s VAT id."
            ),
            "delivery_date": _("Empty: the day the phase was accepted, or the last day of the hours on the invoice."),
            "note": _("Printed at the bottom of the invoice, for example a purchase order number."),
        }

    payment_term_days = Invoice._meta.get_field("payment_term_days").formfield(min_value=1, max_value=365)
    payment_link = PaymentLinkField()


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount received"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    paid_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reference = forms.CharField(
        label=_("Reference"),
        max_length=200,
        required=False,
        help_text=_("Optional, for example the bank statement line."),
    )

    def __init__(self, *args, auto_id: str = "payment-%s", **kwargs) -> None:
        super().__init__(*args, auto_id=auto_id, **kwargs)

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        if day > timezone.localdate():
            raise ValidationError(_("A payment cannot be received in the future."), code="future")
        return day


class PauseRemindersForm(forms.Form):
    reason = forms.CharField(
        label=_("Why pause the payment reminders?"),
        max_length=300,
        help_text=_("For example: we agreed on a payment plan. Only you see this."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, auto_id="reminders-%s", **kwargs)
        self.fields["reason"].error_messages["required"] = _("Give a reason, so you remember later why you paused.")


# -- business settings ---------------------------------------------------------------


class BusinessProfileForm(forms.ModelForm):
    # (legend, explanation, field names)
    FIELDSETS = [
        (
            _("Your business"),
            _("Printed on every contract and invoice. Dutch law requires all of these on an invoice."),
            ["business_name", "kvk_number", "vat_id", "iban"],
        ),
        (_("Address"), "", ["street_address", "postcode", "city"]),
        (
            _("VAT"),
            _(
                "The small-business scheme (kleineondernemersregeling, KOR) is for businesses with less than "
                "€20,000 turnover a year that registered for it with the tax office. With the KOR, new invoices "
                "charge no VAT and state that you are exempt; you then do not need a VAT id on them. Without it, "
                "leave this off."
            ),
            ["small_business_scheme"],
        ),
        (
            _("Your floor rate"),
            _("The lowest effective hourly rate that still pays your bills. Projects below it get a warning."),
            ["floor_rate"],
        ),
        (
            _("Payment reminders to businesses"),
            _(
                "Days after the due date. The reminders go out in this order; the final notice states the "
                "statutory commercial interest and the collection costs."
            ),
            ["friendly_reminder_days", "firm_reminder_days", "final_reminder_days"],
        ),
        (
            _("Payment reminders to consumers"),
            _(
                "A consumer first gets the 14-day letter, which names the collection costs. Costs are only "
                "charged once 14 days have passed after they received it."
            ),
            ["consumer_letter_days", "consumer_receipt_margin_days"],
        ),
        (
            _("Nudges and the daily digest"),
            _("When Mijlpaal reminds your client, or you, that something is waiting."),
            [
                "acceptance_nudge_days",
                "decision_nudge_days",
                "waiting_too_long_days",
                "talk_nudge_weeks",
                "daily_digest",
            ],
        ),
    ]

    class Meta:
        model = BusinessProfile
        fields = [
            "business_name",
            "kvk_number",
            "vat_id",
            "iban",
            "street_address",
            "postcode",
            "city",
            "small_business_scheme",
            "floor_rate",
            "friendly_reminder_days",
            "firm_reminder_days",
            "final_reminder_days",
            "consumer_letter_days",
            "consumer_receipt_margin_days",
            "acceptance_nudge_days",
            "decision_nudge_days",
            "waiting_too_long_days",
            "talk_nudge_weeks",
            "daily_digest",
        ]
        help_texts = {
            "kvk_number": _("8 digits, from your registration at the Chamber of Commerce."),
            "vat_id": _("Your btw-id (NL…B01), not your omzetbelastingnummer."),
            "iban": _("Where clients pay the invoice."),
            "floor_rate": _("Excl. VAT. Leave empty for no warning."),
            "decision_nudge_days": _("Comma-separated, e.g. 3,7."),
        }

    # Room for what people type ("1234 5678", "NL91 ABNA 0417 1643 00"); normalised in clean_*.
    kvk_number = forms.CharField(label=_("KvK number"), max_length=30, required=False)
    vat_id = forms.CharField(label=_("VAT id"), max_length=30, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=50, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Declared fields do not take Meta.help_texts.
        self.fields["kvk_number"].help_text = self.Meta.help_texts["kvk_number"]
        self.fields["vat_id"].help_text = self.Meta.help_texts["vat_id"]
        self.fields["iban"].help_text = self.Meta.help_texts["iban"]
        self.fields["kvk_number"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["vat_id"].widget.attrs["autocomplete"] = "off"
        self.fields["business_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["street_address"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["city"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["floor_rate"].widget.attrs.update({"step": "0.01", "inputmode": "decimal"})

    # Normalise what was typed; the model fields' validators (freelance.lib.identifiers) then check it.

    def clean_kvk_number(self) -> str:
        return normalise_identifier(self.cleaned_data["kvk_number"])

    def clean_vat_id(self) -> str:
        return normalise_vat_id(self.cleaned_data["vat_id"])

    def clean_iban(self) -> str:
        return normalise_iban(self.cleaned_data["iban"])

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [(legend, text, [self[name] for name in names]) for legend, text, names in self.FIELDSETS]
