"""The form that starts a one-off invoice: an invoice for one of the freelancer's own clients, without a project."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import Client


class OneOffInvoiceForm(forms.Form):
    """Which client the invoice is for; only the freelancer's own clients are choices, so
    another freelancer's client id is "not one of the choices", never an invoice."""

    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=Client.objects.none(),
        empty_label=_("Choose a client"),
        help_text=_("The invoice gets the client's language and payment term; you add the lines next."),
        error_messages={
            "required": _("Choose the client this invoice is for."),
            "invalid_choice": _("Choose one of your own clients."),
        },
    )

    def __init__(self, *args, owner, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(owner=owner).order_by("name", "pk")
