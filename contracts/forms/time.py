"""The quick time entry: on the project page (one project) and on the week page (any open project).

The choices come from lists the page has already loaded (the project's prefetched phases,
its wishes), so rendering the form runs no queries of its own. The form checks what a
person can get wrong (hours or from/until, a future day, a huge note); the service
(`contracts.time_entries.record_time`) checks the rest and fixes rate and surcharge.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from contracts.models import Role, TimeEntry
from projects.forms.projects import DateInput
from projects.models import ChangeRequest, Phase, Project

NOTE_MAX = TimeEntry._meta.get_field("note").max_length
BILLABLE_AUTO, BILLABLE_YES, BILLABLE_NO = "", "yes", "no"
BILLABLE_CHOICES = [
    (BILLABLE_AUTO, _("Automatic")),
    (BILLABLE_YES, _("Yes")),
    (BILLABLE_NO, _("No")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


def _pk(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def phase_label(phase: Phase) -> str:
    return f"{phase.position}. {Truncator(phase.title).chars(60)}"


def wish_label(wish: ChangeRequest) -> str:
    label = Truncator(wish.title).chars(60)
    if wish.classification:
        label = f"{label} ({wish.get_classification_display().lower()})"
    return label


class TimeEntryForm(forms.Form):
    """One time entry. Pass `project` on the project page, or `projects` on the week page.

    `phases` and `wishes` are the choosable phases and wishes (of `project`, or of all
    `projects`); they are lists, not querysets, so the page decides how they are loaded.
    """

    project = forms.TypedChoiceField(label=_("Project"), coerce=int, choices=())
    date = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        error_messages={"required": _("Give the day you worked."), "invalid": _("Enter a date such as 2026-11-24.")},
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("24"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0.25", "max": "24", "step": "0.25", "inputmode": "decimal"}),
        help_text=_("Or give the time from and until."),
        error_messages={
            "min_value": _("Give the hours worked, more than zero."),
            "max_value": _("A day has at most 24 hours."),
            "max_digits": _("A day has at most 24 hours."),
            "max_decimal_places": _("Give the hours with at most two decimals, such as 1.25."),
            "invalid": _("Enter the hours as a number, such as 1.5."),
        },
    )
    started_at = forms.TimeField(
        label=_("From"),
        required=False,
        widget=TimeInput(),
        error_messages={"invalid": _("Enter a time such as 09:30.")},
    )
    ended_at = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=TimeInput(),
        error_messages={"invalid": _("Enter a time such as 17:00.")},
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.DEVELOPER)
    phase = forms.TypedChoiceField(label=_("Phase"), coerce=int, required=False, empty_value=None, choices=())
    change_request = forms.TypedChoiceField(
        label=_("Wish (optional)"), coerce=int, required=False, empty_value=None, choices=()
    )
    billable = forms.ChoiceField(
        label=_("Billable"),
        choices=BILLABLE_CHOICES,
        required=False,
        help_text=_(
            "Automatic: hours on a fixed-price phase are covered by its price; other hours are billable. "
            "Hours on a wish you misjudged are never billed."
        ),
    )
    emergency = forms.BooleanField(label=_("Emergency work"), required=False)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.TextInput(attrs={"maxlength": NOTE_MAX}),
    )

    def __init__(
        self,
        *args,
        project: Project | None = None,
        projects: list[Project] | None = None,
        phases: list[Phase],
        wishes: list[ChangeRequest],
        initial_date: date | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "id_time_%s")
        super().__init__(*args, **kwargs)
        self.fixed_project = project
        self.projects = {p.pk: p for p in ([project] if project is not None else projects or [])}
        self.phases = {p.pk: p for p in phases}
        self.wishes = {w.pk: w for w in wishes}
        today = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        self.fields["hours"].widget.attrs["min"] = "0"  # the step counts from here: 0.25, 0.5, ...
        if not self.is_bound:
            self.initial.setdefault("date", initial_date or today)
        if project is not None:
            del self.fields["project"]
            self.fields["phase"].choices = [("", _("No phase")), *((p.pk, phase_label(p)) for p in phases)]
            self.fields["change_request"].choices = [("", _("No wish")), *((w.pk, wish_label(w)) for w in wishes)]
        else:
            names = {p.pk: p.name for p in self.projects.values()}
            self.fields["project"].choices = [("", _("Choose a project")), *names.items()]
            self.fields["phase"].choices = [("", _("No phase")), *self._grouped(phases, phase_label, names)]
            self.fields["change_request"].choices = [
                ("", _("No wish")),
                *self._grouped(wishes, wish_label, names),
            ]

    @property
    def picks_project(self) -> bool:
        """True on the week page, where the entry names its project."""
        return "project" in self.fields

    @staticmethod
    def _grouped(objects, label, names: dict[int, str]) -> list:
        """<optgroup> per project, in the order of the project choices."""
        groups: dict[int, list] = {pk: [] for pk in names}
        for obj in objects:
            if obj.project_id in groups:
                groups[obj.project_id].append((obj.pk, label(obj)))
        return [(names[pk], choices) for pk, choices in groups.items() if choices]

    def clean_date(self) -> date:
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Hours can only be logged for today or earlier."), code="future")
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("started_at"), cleaned.get("ended_at")
        amount = cleaned.get("hours")
        timing_errors = any(name in self.errors for name in ("hours", "started_at", "ended_at"))
        if not timing_errors:
            if (start is None) != (end is None):
                self.add_error(
                    "ended_at" if end is None else "started_at",
                    forms.ValidationError(_("Give both the start and the end time, or neither."), code="half"),
                )
            elif start is not None and amount is not None:
                self.add_error(
                    "hours", forms.ValidationError(_("Give the hours, or from and until; not both."), code="both")
                )
            elif start is not None and start == end:
                self.add_error("ended_at", forms.ValidationError(_("From and until are the same time."), code="same"))
            elif start is None and amount is None:
                self.add_error("hours", forms.ValidationError(_("Give the hours, or from and until."), code="none"))

        project = self.fixed_project or self.projects.get(cleaned.get("project"))
        cleaned["project"] = project
        phase = self.phases.get(cleaned.get("phase")) if cleaned.get("phase") is not None else None
        wish = self.wishes.get(cleaned.get("change_request")) if cleaned.get("change_request") is not None else None
        if project is not None and phase is not None and phase.project_id != project.pk:
            self.add_error("phase", forms.ValidationError(_("Choose a phase of this project."), code="other_project"))
        if project is not None and wish is not None and wish.project_id != project.pk:
            self.add_error(
                "change_request", forms.ValidationError(_("Choose a wish of this project."), code="other_project")
            )
        cleaned["phase"], cleaned["change_request"] = phase, wish
        cleaned["billable"] = {BILLABLE_YES: True, BILLABLE_NO: False}.get(cleaned.get("billable") or "")
        return cleaned

    def record_kwargs(self) -> dict:
        """The keyword arguments for contracts.time_entries.record_time (after is_valid())."""
        data = self.cleaned_data
        timing = (
            {"started_at": data["started_at"], "ended_at": data["ended_at"]}
            if data.get("started_at") is not None
            else {"hours": data["hours"]}
        )
        return {
            "day": data["date"],
            "role": data["role"],
            "phase": data["phase"],
            "change_request": data["change_request"],
            "billable": data["billable"],
            "emergency": data["emergency"],
            "note": data["note"],
            **timing,
        }
