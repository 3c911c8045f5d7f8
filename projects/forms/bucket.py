"""Forms of the bucket page: add a wish, assess, classify, record the client's decision, drop.

The forms check the input (a number of hours, a date, one of the offered choices); the
rules of the method stay in projects/bucket.py, which the views call. Every choice list
is built from objects the view already loaded, so rendering fifty wishes runs no query
per form. Each repeated form gets an `auto_id` unique to its wish, and labels name the
wish ("Estimate in hours for “Newsletter signup”"); Django escapes them like any label.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from freelance.lib.formats import hours_input as hours_text
from projects.models import ChangeRequest, Contact, Phase, Project, ScopeItem

NOTE_MAX = 5000
TITLE_MAX = ChangeRequest._meta.get_field("title").max_length
HOURS_MAX = Decimal("9999")
LABEL_TITLE_CHARS = 60


def short_title(wish: ChangeRequest) -> str:
    """The wish's title as it appears in labels and buttons: at most 60 characters."""
    return Truncator(wish.title).chars(LABEL_TITLE_CHARS)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class WishActionForm(forms.Form):
    """Base of the forms on a wish card: `wish` names the wish in labels and ids."""

    action = ""

    def __init__(self, *args, wish: ChangeRequest, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"id_wish{wish.pk}_{self.action}_%s")
        super().__init__(*args, **kwargs)
        self.wish = wish
        self.names = {"title": short_title(wish)}


# -- a new wish ---------------------------------------------------------------------------


class WishForm(forms.Form):
    title = forms.CharField(
        label=_("Wish"),
        max_length=TITLE_MAX,
        help_text=_("Short, in the client's words, e.g. “Newsletter signup”."),
        error_messages={"required": _("Name the wish, e.g. “Newsletter signup”.")},
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source = forms.ChoiceField(label=_("Source"), choices=ChangeRequest.Source.choices)
    received_on = forms.DateField(
        label=_("Received on"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the day the wish came in."),
            "invalid": _("Enter a date such as 2027-03-05."),
        },
    )
    contact = forms.ChoiceField(
        label=_("Asked by"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of this client's contacts.")},
    )

    def __init__(self, *args, contacts: list[Contact], **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "id_wish_new_%s")
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.contacts = {str(contact.pk): contact for contact in contacts}
        self.fields["contact"].choices = [
            ("", _("Nobody in particular")),
            *((pk, c.name) for pk, c in self.contacts.items()),
        ]
        self.fields["received_on"].widget.attrs["max"] = today.isoformat()
        self.fields["source"].initial = ChangeRequest.Source.EMAIL
        if not self.is_bound:
            self.initial["received_on"] = today

    def clean_received_on(self) -> date:
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A wish cannot have come in in the future."), code="future")
        return day

    def clean_contact(self) -> Contact | None:
        return self.contacts.get(self.cleaned_data["contact"])


# -- the freelancer's steps -----------------------------------------------------------------


class AssessForm(WishActionForm):
    action = "assess"

    estimate_hours = forms.DecimalField(
        min_value=Decimal("0"),
        max_value=HOURS_MAX,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": 0, "max": 9999, "step": "0.25", "inputmode": "decimal"}),
        error_messages={
            "required": _("Enter the estimate in hours, such as 4 or 2.5."),
            "invalid": _("Enter the estimate as a number of hours, such as 4 or 2.5."),
            "min_value": _("An estimate cannot be negative."),
            "max_value": _("An estimate is at most 9999 hours; split the wish."),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["estimate_hours"].label = _("Estimate in hours for “%(title)s”") % self.names
        if not self.is_bound and self.wish.estimate_hours is not None:
            self.initial["estimate_hours"] = hours_text(self.wish.estimate_hours)


class ClassifyForm(WishActionForm):
    action = "classify"

    classification = forms.ChoiceField(
        choices=ChangeRequest.Classification.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how this wish is classified.")},
    )
    target_phase = forms.ChoiceField(
        required=False,
        help_text=_("Only for extra cost. The hard deadline never moves for a wish."),
        error_messages={
            "invalid_choice": _("Paid extra work goes into a phase that is not accepted yet, or into a new phase.")
        },
    )

    def __init__(self, *args, phases: list[Phase], **kwargs) -> None:
        """`phases`: the project's phases, in order; accepted ones are not offered."""
        super().__init__(*args, **kwargs)
        self.phases = {str(phase.pk): phase for phase in phases if not phase.is_read_only}
        self.fields["classification"].label = _("Classification of “%(title)s”") % self.names
        self.fields["target_phase"].label = _("If “%(title)s” is extra cost, the paid work goes into") % self.names
        self.fields["target_phase"].choices = [
            ("", _("A new phase after the last one")),
            *(
                (pk, _("Phase %(number)s: %(title)s") % {"number": p.position, "title": p.title})
                for pk, p in self.phases.items()
            ),
        ]

    def clean_target_phase(self) -> Phase | None:
        return self.phases.get(self.cleaned_data["target_phase"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("classification") != ChangeRequest.Classification.EXTRA_COST:
            data["target_phase"] = None
        return data


class DecideForm(WishActionForm):
    """The client decided outside the app (by phone, in a meeting): the freelancer records it."""

    action = "decide"

    decision = forms.ChoiceField(
        choices=ChangeRequest.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose: stop, pay or swap.")},
    )
    items = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "Only planned work of phases that are not accepted yet can be swapped. Please choose again."
            ),
            "invalid_list": _("That choice of work is not valid. Please choose again."),
        },
    )
    note = forms.CharField(
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: “Jan chose to swap, by phone on Tuesday.” It is kept as evidence."),
        error_messages={"required": _("Note how the client decided, e.g. 'by phone on Tuesday'.")},
    )

    def __init__(self, *args, swappable: list[ScopeItem], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].label = _("The client's decision on “%(title)s”") % self.names
        self.fields["items"].label = _("For a swap: the planned work the client gives up for “%(title)s”") % self.names
        self.fields["items"].choices = [
            (
                str(item.pk),
                _("Phase %(number)s: %(title)s (%(hours)s h)")
                % {"number": item.phase.position, "title": item.title, "hours": hours_text(item.estimate_hours)},
            )
            for item in swappable
        ]
        self.fields["note"].label = _("How did the client decide on “%(title)s”?") % self.names

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") != ChangeRequest.Decision.SWAP:
            data["items"] = []
        return data


class DropForm(WishActionForm):
    action = "drop"

    reason = forms.CharField(
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It is kept in the project's history."),
        error_messages={"required": _("Say why the wish is dropped.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Why is “%(title)s” dropped?") % self.names


# -- the project's terms for extra work ---------------------------------------------------------


class BucketTermsForm(forms.ModelForm):
    """The hourly rate for paid extra work and how far a swap may be off balance."""

    hourly_rate = forms.DecimalField(
        label=_("Hourly rate for extra work (€, excl. VAT)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}),
        help_text=_("A wish sent to the client keeps the price it was sent with."),
        error_messages={
            "invalid": _("Enter the rate as an amount, such as 85 or 92.50."),
            "min_value": _("An hourly rate cannot be negative."),
        },
    )
    swap_tolerance_percent = forms.IntegerField(
        label=_("Swap tolerance (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
        help_text=_("How far the hours given up in a swap may differ from the wish's estimate."),
        error_messages={
            "required": _("Enter a percentage from 0 to 100."),
            "invalid": _("Enter a whole percentage from 0 to 100."),
            "min_value": _("Enter a percentage from 0 to 100."),
            "max_value": _("Enter a percentage from 0 to 100."),
        },
    )

    class Meta:
        model = Project
        fields = ["hourly_rate", "swap_tolerance_percent"]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "id_terms_%s")
        super().__init__(*args, **kwargs)
