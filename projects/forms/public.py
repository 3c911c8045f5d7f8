"""Forms on the client's pages for the bucket: the decision on a wish, and a new wish."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import ChangeRequest, Contact

CR = ChangeRequest
ITEMS_FIELD = "items"  # the swap checkboxes: read with request.POST.getlist, checked by the domain


class DecisionForm(forms.Form):
    """Stop, pay or swap. The swap's items are not a form field on purpose: bucket.decide
    checks them (this project's, not accepted, still in the plan) and says what is wrong."""

    decision = forms.ChoiceField(
        label=_("Your choice"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose: stop, pay or swap.")},
    )
    snapshot_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, cost: str = "", can_swap: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (CR.Decision.STOP, _("Stop: I don't need it. The plan and the price stay as they are.")),
            (
                CR.Decision.PAY,
                _("Pay: build it as extra work for %(cost)s excl. VAT.") % {"cost": cost},
            ),
        ]
        if can_swap:
            choices.append(
                (
                    CR.Decision.SWAP,
                    _("Swap: build it instead of planned work of about the same size. The price stays the same."),
                )
            )
        self.fields["decision"].choices = choices
        self.fields["decision"].error_messages["invalid_choice"] = _("Please choose: stop, pay or swap.")


class WishForm(forms.Form):
    """A new wish, dropped into the bucket from the client's project page."""

    prefix = "wish"

    title = forms.CharField(
        label=_("Your wish"),
        max_length=CR._meta.get_field("title").max_length,
        help_text=_("In a few words, for example: a newsletter signup on the home page."),
        error_messages={"required": _("Please describe your wish in a few words.")},
    )
    description = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What should it do, and for whom?"),
    )

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Please describe your wish in a few words."))
        return title

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()


class ProjectPageLinkForm(forms.Form):
    """The freelancer issues the client's project page link: to the decision maker, or a chosen contact."""

    contact = forms.ModelChoiceField(
        label=_("Send the link to"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("The decision maker"),
    )

    def __init__(self, *args, project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = project.client.contacts.exclude(email="")
