from __future__ import annotations

from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from contracts.models import Category, ClauseTemplate, Contract, ContractClause, ContractTemplate
from contracts.placeholders import BLOCK, INLINE
from projects.forms.acceptance import SignatureForm
from projects.models import Project


def placeholder_help() -> str:
    names = ", ".join(f"{{{{ {name} }}}}" for name in [*INLINE, *BLOCK])
    return _(
        "Plain text; a blank line starts a new paragraph, lines starting with “- ” form a list. Placeholders: %(names)s."
    ) % {"names": names}


class CreateContractForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Contract template"),
        queryset=ContractTemplate.objects.none(),
        empty_label=None,
        help_text=_("Its clauses are copied into this client's contract, where you edit them."),
    )

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The freelancer's own templates first, then the install's defaults.
        templates = ContractTemplate.for_user(project.owner_id).order_by(
            F("owner").asc(nulls_last=True), "language", "name"
        )
        self.fields["template"].queryset = templates
        language = project.client.language
        default = next((t for t in templates if t.is_default and t.language == language), None)
        default = default or next((t for t in templates if t.language == language), None)
        if default is not None:
            self.initial.setdefault("template", default.pk)


class ClauseForm(forms.ModelForm):
    """One clause, edited inline. The model's validator refuses unknown placeholders, naming the line."""

    class Meta:
        model = ContractClause
        fields = ["title", "category", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "spellcheck": "true"})}

    def __init__(self, *args, number: int, preview_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if preview_url:  # htmx: show the rendered clause while typing
            self.fields["body"].widget.attrs.update(
                {
                    "hx-post": f"{preview_url}?prefix={self.prefix}",
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": f"#{self.prefix}-preview",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                }
            )
        self.fields["title"].label = _("Title of clause %(number)s") % {"number": number}
        self.fields["category"].label = _("Category of clause %(number)s") % {"number": number}
        self.fields["body"].label = _("Text of clause %(number)s") % {"number": number}
        self.fields["body"].help_text = placeholder_help()


class AddClauseForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("Start from"),
        queryset=ClauseTemplate.objects.none(),
        required=False,
        empty_label=_("A blank clause"),
    )
    title = forms.CharField(
        label=_("Title of the new clause"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the template's title."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices], required=False)

    def __init__(self, *args, contract: Contract, **kwargs) -> None:
        super().__init__(*args, prefix="add", **kwargs)
        owner_id = contract.project.owner_id
        self.fields["source"].queryset = ClauseTemplate.for_user(owner_id).filter(language=contract.language)
        self.fields["source"].queryset = self.fields["source"].queryset.order_by("title")

    def clean(self):
        data = super().clean()
        if not data.get("source") and not (data.get("title") or "").strip():
            self.add_error("title", _("Give the blank clause a title, or choose a clause template."))
        return data


class SendForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        label=_("Send the contract to"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each gets a personal link to read and accept it, and the PDF. Talk to the decision maker."),
    )

    def __init__(self, *args, project: Project, **kwargs) -> None:
        from contracts.services import default_recipients

        super().__init__(*args, prefix="send", **kwargs)
        contacts = project.client.contacts.exclude(email="")
        self.fields["recipients"].queryset = contacts
        self.fields["recipients"].label_from_instance = lambda c: (
            f"{c.name} <{c.email}>" + (f" ({_('decision maker')})" if c.is_decision_maker else "")
        )
        self.initial.setdefault("recipients", [c.pk for c in default_recipients(project)])


class DiffForm(forms.Form):
    old = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    new = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args, numbers: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, _("Version %(number)s") % {"number": n}) for n in numbers]
        self.fields["old"].choices = self.fields["new"].choices = choices
        if len(numbers) >= 2:
            self.initial.setdefault("old", numbers[-2])
            self.initial.setdefault("new", numbers[-1])

    def clean(self):
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            raise forms.ValidationError(_("Choose two different versions."))
        return data


class ContractAcceptForm(SignatureForm):
    """The client's acceptance of a contract version."""

    confirm = forms.BooleanField(label=_("I have read this agreement and accept it."))
