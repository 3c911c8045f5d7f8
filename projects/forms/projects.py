"""Forms of the project page: phase actions, project actions and the risk register.

Field names stay short and unprefixed ("note", "comment"); each form gets an `auto_id`
unique to its phase, so a page with many phases still has one id per input.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Phase, Project, Risk

NOTE_MAX = 5000
RISK_TEXT_MAX = 2000
OVERRIDE_REASON_MAX = 500


def override_reason_field() -> forms.CharField:
    """Why the freelancer works for a client with an overdue invoice anyway (the payment gate)."""
    return forms.CharField(
        label=_("Reason to go ahead despite the overdue invoice"),
        required=False,
        max_length=OVERRIDE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: “The client paid yesterday; the bank shows it tomorrow.” It is logged."),
    )


class GateMixin:
    """A form whose action the payment gate may refuse; the view sets `gate_closed` then."""

    gate_closed = False

    @property
    def show_override_reason(self) -> bool:
        if "override_reason" not in self.fields:
            return False
        field = self["override_reason"]
        return self.gate_closed or bool(field.errors) or bool((field.value() or "").strip())


def phase_auto_id(phase: Phase, action: str) -> str:
    return f"id_phase{phase.pk}_{action}_%s"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PhaseActionForm(forms.Form):
    """Base for the forms on a phase card; `phase` names the phase in labels."""

    action = ""

    def __init__(self, *args, phase: Phase, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", phase_auto_id(phase, self.action))
        super().__init__(*args, **kwargs)
        self.phase = phase


class StartForm(GateMixin, PhaseActionForm):
    action = "start"

    override_reason = override_reason_field()


class ResumeForm(PhaseActionForm):
    action = "resume"


class DeliverForm(GateMixin, PhaseActionForm):
    """Mark delivered and, by default, email the decision maker a link to accept."""

    action = "deliver"
    MAX_LINKS = 20

    note = forms.CharField(
        label=_("Delivery note (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What did you deliver, and where can the client find it?"),
    )
    deliverables = forms.CharField(
        label=_("Links to the deliverables (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One web address per line, e.g. the staging site."),
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Send the acceptance link to"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to mark it delivered without sending a link."),
    )
    override_reason = override_reason_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from projects.acceptance import default_recipients

        self.fields["note"].label = _("Delivery note for phase %(number)s (optional)") % {"number": self.phase.position}
        contacts = [c for c in self.phase.project.client.contacts.all() if c.email]
        self.fields["recipients"].queryset = self.phase.project.client.contacts.exclude(email="")
        self.fields["recipients"].choices = [(c.pk, f"{c.name} <{c.email}>") for c in contacts]
        if not self.is_bound:
            self.initial["recipients"] = [c.pk for c in default_recipients(self.phase)]

    def clean_deliverables(self) -> list[str]:
        from django.core.validators import URLValidator

        links = [line.strip() for line in self.cleaned_data["deliverables"].splitlines() if line.strip()]
        if len(links) > self.MAX_LINKS:
            raise forms.ValidationError(_("At most %(count)s links, please.") % {"count": self.MAX_LINKS})
        validate = URLValidator(schemes=["http", "https"])
        for link in links:
            try:
                validate(link)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("“%(link)s” is not a web address; start it with https://.") % {"link": link[:100]}
                ) from None
        return links


class SendRequestForm(DeliverForm):
    """Send (again) a link to accept a phase that is already delivered."""

    action = "send"
    override_reason = None  # sending a link for work already delivered is not new work

    def clean_recipients(self):
        recipients = self.cleaned_data["recipients"]
        if not recipients:
            raise forms.ValidationError(_("Choose at least one contact with an email address."))
        return recipients


class AcceptForm(PhaseActionForm):
    """The freelancer records an acceptance the client gave outside the app, e.g. by phone."""

    action = "accept"

    note = forms.CharField(
        label=_("How did the client accept?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: “Jan de Vries accepted by phone on Tuesday.” It is kept in the history."),
        error_messages={"required": _("Say how the client accepted; it is the proof that starts the next phase.")},
    )
    accepted_on = forms.DateField(
        label=_("Accepted on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today. The next phase is due counted from this day."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        number = {"number": self.phase.position}
        self.fields["note"].label = _("How did the client accept phase %(number)s?") % number
        self.fields["accepted_on"].label = _("Phase %(number)s accepted on") % number
        self.fields["accepted_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_accepted_on(self) -> date | None:
        day = self.cleaned_data["accepted_on"]
        if day is None:
            return None
        if day > timezone.localdate():
            raise forms.ValidationError(_("The client cannot have accepted in the future."), code="future")
        delivered = self.phase.delivered_at
        if delivered and day < timezone.localdate(delivered):
            raise forms.ValidationError(
                _("The phase was delivered on %(date)s; it cannot have been accepted before that."),
                code="before_delivery",
                params={"date": timezone.localdate(delivered).isoformat()},
            )
        return day


class ChangesForm(PhaseActionForm):
    action = "changes"

    comment = forms.CharField(
        label=_("Which changes does the client want?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say which changes are needed.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = _("Which changes does the client want in phase %(number)s?") % {
            "number": self.phase.position
        }


# -- project actions ---------------------------------------------------------------------


class StopForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the project stop?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The reason is kept in the project's history."),
        error_messages={"required": _("Say why the project stops; the reason is kept in its history.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "id_stop_%s")
        super().__init__(*args, **kwargs)


class RenegotiateForm(forms.Form):
    new_deadline = forms.DateField(label=_("New hard first deadline"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why does the deadline move?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the deadline moves.")},
    )
    client_agreement = forms.CharField(
        label=_("What did the client agree to?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: “Less scope in phase 1; the photos move to phase 2.”"),
        error_messages={"required": _("Record what the client agreed to; a deadline moves only by agreement.")},
    )

    def __init__(self, *args, project: Project, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "id_renegotiate_%s")
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["new_deadline"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_new_deadline(self) -> date:
        day = self.cleaned_data["new_deadline"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The new deadline is in the past."), code="past")
        if day == self.project.first_deadline:
            raise forms.ValidationError(_("The new deadline is the same as the current one."), code="same")
        return day


# -- risks ---------------------------------------------------------------------------------


class RiskForm(forms.ModelForm):
    description = forms.CharField(
        label=_("Risk"),
        max_length=RISK_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What could go wrong that you cannot control?"),
    )
    mitigation = forms.CharField(
        label=_("Mitigation plan"),
        max_length=RISK_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What happens if it does, and who pays for it?"),
    )

    class Meta:
        model = Risk
        fields = ["description", "party", "third_party", "likelihood", "impact", "mitigation", "status"]

    def __init__(self, *args, **kwargs) -> None:
        prefix = "new" if kwargs.get("instance") is None or kwargs["instance"].pk is None else kwargs["instance"].pk
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"id_risk{prefix}_%s")
        super().__init__(*args, **kwargs)
