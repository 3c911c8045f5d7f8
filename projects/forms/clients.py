"""Forms for clients and their contacts. The rules stay on the models; these forms add what
only a form can know: who the owner is, and how to show a model error next to its field."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from freelance.lib.identifiers import normalise_identifier, normalise_vat_id
from projects.models import Client, Contact

# Room for what people type ("12 34 56 78", "NL 1234.56789.B01"); the model checks the
# normalised value against its own max_length and validators.
IDENTIFIER_INPUT_MAX_LENGTH = 30


class ClientForm(forms.ModelForm):
    # Field order and grouping on the page: (legend, field names).
    FIELDSETS = [
        (_("Company"), ["name", "kind", "kvk_number", "vat_id"]),
        (_("Address"), ["street_address", "postcode", "city", "country"]),
        (_("Agreements"), ["language", "payment_term_days"]),
        (
            _("Getting to know them"),
            ["customers_notes", "earnings_notes", "click_score", "click_notes", "professionalism"],
        ),
    ]

    # The model field allows 0 (a PositiveSmallIntegerField); say "at least 1" in the form as well.
    payment_term_days = Client._meta.get_field("payment_term_days").formfield(min_value=1, max_value=365)

    class Meta:
        model = Client
        fields = [
            "name",
            "kind",
            "kvk_number",
            "vat_id",
            "street_address",
            "postcode",
            "city",
            "country",
            "language",
            "payment_term_days",
            "customers_notes",
            "earnings_notes",
            "click_score",
            "click_notes",
            "professionalism",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "customers_notes": forms.Textarea(attrs={"rows": 3}),
            "earnings_notes": forms.Textarea(attrs={"rows": 3}),
            "click_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, owner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        if self.instance.owner_id is None:
            self.instance.owner = owner
        for name in ("kvk_number", "vat_id"):
            field = self.fields[name]
            field.max_length = IDENTIFIER_INPUT_MAX_LENGTH
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
            field.widget.attrs["maxlength"] = str(IDENTIFIER_INPUT_MAX_LENGTH)
            field.widget.attrs["autocomplete"] = "off"
        self.fields["kvk_number"].widget.attrs["inputmode"] = "numeric"
        for name in ("click_score", "professionalism"):
            self.fields[name].choices = [("", _("not scored")), *Client.SCORE_CHOICES]
        self.fields["name"].widget.attrs["autocomplete"] = "organization"
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["street_address"].widget.attrs["autocomplete"] = "address-line1"

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def has_duplicate_name(self, name: str) -> bool:
        # The same comparison as the client_name_unique_per_owner constraint: Lower() in the database.
        return (
            Client.objects.filter(owner=self.owner)
            .alias(lower_name=Lower("name"))
            .filter(lower_name=Lower(Value(name)))
            .exclude(pk=self.instance.pk)
            .exists()
        )

    def duplicate_name_error(self, name: str) -> forms.ValidationError:
        return forms.ValidationError(
            _("You already have a client called %(name)s. Choose a different name."),
            code="duplicate_name",
            params={"name": name},
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if self.has_duplicate_name(name):
            raise self.duplicate_name_error(name)
        return name

    # The model's validators run before Client.clean() normalises, so normalise here first.
    def clean_kvk_number(self) -> str:
        return normalise_identifier(self.cleaned_data["kvk_number"])

    def clean_vat_id(self) -> str:
        return normalise_vat_id(self.cleaned_data["vat_id"])

    def add_duplicate_name_error_after_race(self) -> bool:
        """The save hit the unique constraint after clean_name passed (two saves at once).

        Returns whether that was the cause, so the caller re-raises anything else.
        """
        name = self.cleaned_data["name"]
        if not self.has_duplicate_name(name):
            return False
        self.add_error("name", self.duplicate_name_error(name))
        return True


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", *Contact.ROLE_FIELDS, "email", "phone", "last_spoken_on"]
        widgets = {
            "last_spoken_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["last_spoken_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        for name in Contact.ROLE_FIELDS:
            self.fields[name].label_suffix = ""  # "IT contact", not "IT contact:", next to a checkbox

    def role_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in Contact.ROLE_FIELDS]

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("email", "phone", "last_spoken_on")]
