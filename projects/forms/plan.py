"""Forms of the project creation page and the phase plan editor.

Every repeated input gets a label that names its phase ("Title of phase 2"), so a screen
reader, a browser test and a person all find the same field. Labels are built per form,
from the phase number; user text never goes into a label.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from freelance.lib.days_off import not_a_working_day
from projects.forms.projects import GateMixin, override_reason_field
from projects.models import Client, Phase, Project, ScopeItem

NEW_PROJECT_PHASE_ROWS = 3
MAX_OFFSET = 520  # as Phase.offset_amount's validator: ten years of weeks
MAX_YEARS_AHEAD = 10
MAX_DEPOSIT = Decimal("9999999")  # what one invoice line holds (InvoiceLine.unit_price)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def offset_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=1,
        max_value=MAX_OFFSET,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_OFFSET, "step": 1, "inputmode": "numeric"}),
        error_messages={
            "required": _("Say how many weeks or working days after the previous acceptance this phase is due."),
            "invalid": _("Enter a whole number, such as 2."),
            "min_value": _(
                "A phase is due at least 1 week or working day after the previous phase is accepted: enter 1 or more."
            ),
            "max_value": _("Enter at most %(limit_value)s."),
        },
        **kwargs,
    )


def offset_unit_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(choices=Phase.OffsetUnit.choices, initial=Phase.OffsetUnit.WEEKS, **kwargs)


def first_deadline_field(**kwargs) -> forms.DateField:
    return forms.DateField(
        widget=DATE_WIDGET,
        error_messages={
            "required": _("Set the hard first deadline: the date phase 1 is due."),
            "invalid": _("Enter a date such as 2027-03-05."),
        },
        **kwargs,
    )


def live_preview_attrs(url: str) -> dict[str, str]:
    """htmx attributes of an input that moves dates: re-project them while the freelancer types."""
    return {
        "class": "plan-timing",
        "hx-post": url,
        "hx-trigger": "input changed delay:300ms, change",
        "hx-include": ".plan-timing",
        "hx-target": "#plan-schedule",
        "hx-swap": "outerHTML",
    }


def refuse_past(value: date | None) -> date | None:
    """A new first deadline is today or later, and not absurdly far away (a mistyped year)."""
    if value is None:
        return value
    today = timezone.localdate()
    if value < today:
        raise forms.ValidationError(
            _("The hard first deadline cannot be in the past. Choose today or a later date."), code="past"
        )
    if value > today + timedelta(days=round(365.25 * MAX_YEARS_AHEAD)):
        raise forms.ValidationError(
            _("That is more than %(years)s years away. Check the year.") % {"years": MAX_YEARS_AHEAD}, code="far"
        )
    return value


def deposit_percent_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Deposit as a percentage (optional)"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0.01", "max": 100, "step": "0.01", "inputmode": "decimal"}),
        help_text=_("A share of the fixed phase prices, invoiced when the client accepts the contract."),
        error_messages={
            "invalid": _("Enter the deposit as a percentage, such as 30 or 12.5."),
            "min_value": _("A deposit percentage is more than 0 and at most 100."),
            "max_value": _("A deposit percentage is more than 0 and at most 100."),
            "max_digits": _("Enter the percentage with at most two decimals, such as 12.5."),
            "max_decimal_places": _("Enter the percentage with at most two decimals, such as 12.5."),
        },
    )


def deposit_amount_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Or a deposit amount (€, excl. VAT, optional)"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=MAX_DEPOSIT,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0.01", "max": MAX_DEPOSIT, "step": "0.01", "inputmode": "decimal"}),
        help_text=_("Deducted from the final invoice."),
        error_messages={
            "invalid": _("Enter the deposit as an amount, such as 1500 or 1500.50."),
            "min_value": _("A deposit amount is more than zero."),
            "max_value": _("A deposit is at most %(limit_value)s euros excl. VAT."),
            "max_digits": _("That amount is too large for a deposit."),
            "max_whole_digits": _("That amount is too large for a deposit."),
            "max_decimal_places": _("Enter the amount in euros and cents, such as 1500.50."),
        },
    )


def refuse_both_deposits(form: forms.BaseForm, cleaned: dict) -> None:
    """A deposit is a percentage or an amount, not both (Project's constraint, said kindly)."""
    if cleaned.get("deposit_percent") is not None and cleaned.get("deposit_amount") is not None:
        form.add_error(
            "deposit_amount", _("Ask either a percentage or an amount as the deposit, not both: empty one of them.")
        )


def day_off_warning(value: date | None) -> str:
    """A warning (not a refusal) when the hard first deadline is not a working day."""
    reasons = not_a_working_day(value)
    if not reasons:
        return ""
    return str(
        _(
            "%(date)s is not a working day: it is %(reasons)s. The deadline is kept; "
            "check that you and the client mean it."
        )
    ) % {"date": date_format(value, "DATE_FORMAT"), "reasons": reasons}


# Visible captions of repeated inputs; the full label (visually hidden) names the phase.
SHORT_LABELS = {
    "title": _("Title"),
    "description": _("Description"),
    "pricing": _("Pricing"),
    "fixed_price": _("Fixed price (excl. VAT)"),
    "offset_amount": _("Due after"),
    "offset_unit": _("Unit"),
    "estimate_hours": _("Hours"),
}


def set_short_labels(form: forms.BaseForm, labels: dict) -> None:
    """Give each field a `short_label`: its visible caption, read from the end of its name."""
    for name, field in form.fields.items():
        key = next((key for key in labels if name == key or name.endswith(f"_{key}")), None)
        field.short_label = labels[key] if key else field.label


# -- creating a project -----------------------------------------------------------------


class NewProjectForm(GateMixin, forms.ModelForm):
    first_deadline = first_deadline_field(
        label=_("Hard first deadline"),
        help_text=_("The date phase 1 is due. It is sacred: once contracted, only a renegotiation moves it."),
    )
    override_reason = override_reason_field()
    deposit_percent = deposit_percent_field()
    deposit_amount = deposit_amount_field()

    class Meta:
        model = Project
        fields = ["client", "name", "goal", "deposit_percent", "deposit_amount"]
        labels = {"client": _("Client"), "name": _("Project name"), "goal": _("Goal")}
        widgets = {"goal": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, owner, **kwargs) -> None:
        kwargs.setdefault("instance", Project(owner=owner))
        super().__init__(*args, **kwargs)
        client_field = self.fields["client"]
        client_field.queryset = Client.objects.filter(owner=owner)
        client_field.empty_label = _("Choose a client")
        client_field.error_messages["required"] = _("Choose the client this project is for.")
        self.fields["name"].error_messages["required"] = _("Give the project a name.")

    def clean_first_deadline(self) -> date | None:
        return refuse_past(self.cleaned_data.get("first_deadline"))

    def clean(self) -> dict:
        cleaned = super().clean()
        refuse_both_deposits(self, cleaned)
        return cleaned

    @property
    def deadline_warning(self) -> str:
        """Said after saving: the deadline is kept, but it is not a working day."""
        return day_off_warning(self.cleaned_data.get("first_deadline"))


class InitialPhasesForm(forms.Form):
    """Up to NEW_PROJECT_PHASE_ROWS phases; rows without a title are ignored.

    Phase 1 has no offset: it is due on the hard first deadline.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, NEW_PROJECT_PHASE_ROWS + 1):
            self.fields[f"phase{number}_title"] = forms.CharField(
                label=_("Title of phase %(number)s") % {"number": number},
                max_length=200,
                required=number == 1,
                error_messages={"required": _("Give phase 1 a title: a project has at least one phase.")},
            )
            if number > 1:
                self.fields[f"phase{number}_offset_amount"] = offset_field(
                    label=_("Offset of phase %(number)s") % {"number": number}, required=False, initial=2
                )
                self.fields[f"phase{number}_offset_unit"] = offset_unit_field(
                    label=_("Offset unit of phase %(number)s") % {"number": number}, required=False
                )
        set_short_labels(self, SHORT_LABELS)

    def rows(self) -> list[dict]:
        """The bound fields per row, for the template."""
        result = []
        for number in range(1, NEW_PROJECT_PHASE_ROWS + 1):
            row = {"number": number, "previous": number - 1, "title": self[f"phase{number}_title"]}
            if number > 1:
                row["offset_amount"] = self[f"phase{number}_offset_amount"]
                row["offset_unit"] = self[f"phase{number}_offset_unit"]
            result.append(row)
        return result

    def clean(self) -> dict:
        cleaned = super().clean()
        for number in range(2, NEW_PROJECT_PHASE_ROWS + 1):
            title = (cleaned.get(f"phase{number}_title") or "").strip()
            amount_name = f"phase{number}_offset_amount"
            if title and cleaned.get(amount_name) is None and amount_name not in self.errors:
                self.add_error(amount_name, self.fields[amount_name].error_messages["required"])
        return cleaned

    def phases(self) -> list[dict]:
        """The phases to create, in order, as keyword arguments for Project.add_phase."""
        result = []
        for number in range(1, NEW_PROJECT_PHASE_ROWS + 1):
            title = self.cleaned_data.get(f"phase{number}_title", "").strip()
            if not title:
                continue
            fields = {"title": title}
            if number > 1:
                fields["offset_amount"] = self.cleaned_data[f"phase{number}_offset_amount"]
                fields["offset_unit"] = self.cleaned_data[f"phase{number}_offset_unit"] or Phase.OffsetUnit.WEEKS
            result.append(fields)
        return result


# -- the plan editor --------------------------------------------------------------------


class FirstDeadlineForm(forms.Form):
    first_deadline = first_deadline_field(
        label=_("Hard first deadline"),
        help_text=_(
            "Phase 1 is due on this date. While the project is a proposal you can change it; "
            "the dates of later phases follow as you type."
        ),
    )

    def __init__(self, *args, project: Project, preview_url: str = "", **kwargs) -> None:
        kwargs.setdefault("initial", {"first_deadline": project.first_deadline})
        super().__init__(*args, **kwargs)
        self.project = project
        if preview_url:
            self.fields["first_deadline"].widget.attrs.update(live_preview_attrs(preview_url))

    def clean_first_deadline(self) -> date | None:
        value = self.cleaned_data.get("first_deadline")
        if value == self.project.first_deadline:
            return value  # unchanged: a deadline that has passed in the meantime is no news
        return refuse_past(value)

    @property
    def deadline_warning(self) -> str:
        """Said after saving: the deadline is kept, but it is not a working day."""
        return day_off_warning(self.cleaned_data.get("first_deadline"))


class DepositForm(forms.Form):
    """The deposit on the plan editor, while the project is not contracted."""

    deposit_percent = deposit_percent_field()
    deposit_amount = deposit_amount_field()

    def __init__(self, *args, project: Project, **kwargs) -> None:
        kwargs.setdefault(
            "initial", {"deposit_percent": project.deposit_percent, "deposit_amount": project.deposit_amount}
        )
        super().__init__(*args, **kwargs)
        self.project = project

    def clean(self) -> dict:
        cleaned = super().clean()
        refuse_both_deposits(self, cleaned)
        return cleaned


class PhaseForm(forms.ModelForm):
    fixed_price = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}),
        error_messages={
            "min_value": _("A price cannot be negative."),
            "invalid": _("Enter the price as a number, such as 2500 or 2500.50."),
        },
    )
    offset_amount = offset_field()
    offset_unit = offset_unit_field()

    class Meta:
        model = Phase
        fields = ["title", "description", "pricing", "fixed_price", "offset_amount", "offset_unit"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, instance: Phase, preview_url: str = "", **kwargs) -> None:
        kwargs.setdefault("prefix", f"phase-{instance.pk}")
        super().__init__(*args, instance=instance, **kwargs)
        number = {"number": instance.position}
        labels = {
            "title": _("Title of phase %(number)s"),
            "description": _("Description of phase %(number)s"),
            "pricing": _("Pricing of phase %(number)s"),
            "fixed_price": _("Fixed price of phase %(number)s (excl. VAT)"),
            "offset_amount": _("Offset of phase %(number)s"),
            "offset_unit": _("Offset unit of phase %(number)s"),
        }
        for name, label in labels.items():
            self.fields[name].label = label % number
        self.fields["title"].error_messages["required"] = _("Give the phase a title.")
        if instance.is_first or instance.due_date:  # the hard deadline, or a date fixed by acceptance
            del self.fields["offset_amount"]
            del self.fields["offset_unit"]
        for name in ("offset_amount", "offset_unit"):
            if name in self.fields and preview_url:
                self.fields[name].widget.attrs.update(live_preview_attrs(preview_url))
        set_short_labels(self, SHORT_LABELS)


class AddPhaseForm(forms.Form):
    title = forms.CharField(
        label=_("Title of the new phase"),
        max_length=200,
        error_messages={"required": _("Give the new phase a title.")},
    )
    offset_amount = offset_field(label=_("Offset of the new phase"), initial=2)
    offset_unit = offset_unit_field(label=_("Offset unit of the new phase"))

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "new-phase")
        super().__init__(*args, **kwargs)
        set_short_labels(self, SHORT_LABELS)


class ScopeItemForm(forms.ModelForm):
    estimate_hours = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("9999"),
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": 0, "max": 9999, "step": "0.25", "inputmode": "decimal"}),
        error_messages={
            "min_value": _("An estimate cannot be negative."),
            "max_value": _("An estimate is at most 9999 hours; split the item."),
            "invalid": _("Enter the estimate as a number of hours, such as 4 or 2.5."),
        },
    )

    class Meta:
        model = ScopeItem
        fields = ["title", "estimate_hours"]

    def __init__(self, *args, phase: Phase, number: int | None = None, **kwargs) -> None:
        """`number` is the item's place in its phase; None for the form that adds an item."""
        instance = kwargs.get("instance")
        if instance is None:
            kwargs["instance"] = ScopeItem(phase=phase)
            kwargs.setdefault("prefix", f"new-scope-{phase.pk}")
        else:
            kwargs.setdefault("prefix", f"scope-{instance.pk}")
        super().__init__(*args, **kwargs)
        names = {"number": number, "phase": phase.position}
        if number is None:
            self.fields["title"].widget.attrs["placeholder"] = _("A new scope item, such as: product photos")
            self.fields["title"].label = _("New scope item for phase %(phase)s") % names
            self.fields["estimate_hours"].label = (
                _("Estimate in hours for the new scope item of phase %(phase)s") % names
            )
        else:
            self.fields["title"].label = _("Scope item %(number)s of phase %(phase)s") % names
            self.fields["estimate_hours"].label = (
                _("Estimate in hours for scope item %(number)s of phase %(phase)s") % names
            )
        self.fields["title"].error_messages["required"] = _("Describe the scope item.")
        set_short_labels(self, {**SHORT_LABELS, "title": _("Scope item")})

    def clean_estimate_hours(self) -> Decimal:
        value = self.cleaned_data.get("estimate_hours")
        return Decimal("0") if value is None else value


# -- the live preview -------------------------------------------------------------------


def typed_first_deadline(data, project: Project) -> tuple[date | None, str]:
    """The first deadline the freelancer is typing, and a note if it cannot be used.

    A contracted project keeps its stored deadline, whatever is posted.
    """
    if project.is_locked or "first_deadline" not in data:
        return project.first_deadline, ""
    field = first_deadline_field(required=False)
    try:
        value = field.clean(data.get("first_deadline"))
    except forms.ValidationError:
        return None, str(_("Enter a complete date for the hard first deadline to see the dates."))
    if value is None:
        return None, str(_("Set the hard first deadline to see the dates."))
    try:
        refuse_past(value)
    except forms.ValidationError as error:
        if error.code == "far":
            return None, error.messages[0]
        return value, str(_("This deadline is in the past; saving will refuse it."))
    return value, day_off_warning(value)


def typed_offset(data, phase: Phase) -> tuple[int, str] | None:
    """The offset typed for `phase`, or its stored one if none was posted; None if unusable."""
    prefix = f"phase-{phase.pk}-"
    if phase.is_first or phase.is_read_only or f"{prefix}offset_amount" not in data:
        return phase.offset_amount, phase.offset_unit
    try:
        amount = offset_field().clean(data.get(f"{prefix}offset_amount"))
        unit = offset_unit_field().clean(data.get(f"{prefix}offset_unit", phase.offset_unit))
    except forms.ValidationError:
        return None
    return amount, unit
