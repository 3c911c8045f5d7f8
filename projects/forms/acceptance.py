from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignatureForm(forms.Form):
    """A client's signature on what was shown: a typed name, a ticked box, and its fingerprint.

    Subclasses give the ``confirm`` box its own label: what exactly is accepted.
    """

    typed_name = forms.CharField(
        label=_("Your full name"), max_length=200, help_text=_("Typing your name counts as your signature.")
    )
    confirm = forms.BooleanField()
    snapshot_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_typed_name(self) -> str:
        name = " ".join(self.cleaned_data["typed_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Please type your full name."))
        return name


class AcceptForm(SignatureForm):
    prefix = "accept"

    confirm = forms.BooleanField(label=_("I accept this phase as delivered."))


class ChangesForm(forms.Form):
    prefix = "changes"

    comment = forms.CharField(
        label=_("Which changes do you need?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Be as specific as you can: what, where, and why."),
    )
    snapshot_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise forms.ValidationError(_("Please describe the changes you need."))
        return comment
