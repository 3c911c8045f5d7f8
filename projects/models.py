"""The project manager's world: clients, contacts, projects, phases, scope, risks.

Deadline first, flex scope: the first phase of a project has a hard deadline (kept on the
project, so reordering phases never loses it). Every later phase is due a number of weeks
or working days *after the client accepted the previous phase*; until then its date is
only projected. Transitions live on the models, guard the current state, run atomically,
and write an append-only PhaseEvent.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from freelance.lib.evidence import ClientEvidence
from freelance.lib.identifiers import normalise_identifier, normalise_vat_id, validate_kvk_number, validate_vat_id
from freelance.lib.money import round_money
from freelance.lib.rules import AppendOnly, RuleViolation, guarded_move
from freelance.lib.workdays import add_working_days, next_working_day
from projects import signals
from projects.rates import effective_rate

MAX_PAYMENT_TERM_BUSINESS = 60  # days; Civil Code art. 6:119a
DECISION_MAKER_NUDGE_WEEKS = 6


# -- clients and contacts -------------------------------------------------------------


class Client(models.Model):
    class Kind(models.TextChoices):
        BUSINESS = "business", _("Business")
        CONSUMER = "consumer", _("Consumer")

    SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=Kind, default=Kind.BUSINESS)
    street_address = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True, default="Nederland")
    kvk_number = models.CharField(_("KvK number"), max_length=8, blank=True, validators=[validate_kvk_number])
    vat_id = models.CharField(_("VAT id"), max_length=15, blank=True, validators=[validate_vat_id])
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="nl")
    payment_term_days = models.PositiveSmallIntegerField(
        _("payment term (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Dutch law caps payment terms between businesses at 60 days."),
    )
    customers_notes = models.TextField(
        _("the client's own customers"), blank=True, help_text=_("Who buys from your client, and what do they need?")
    )
    earnings_notes = models.TextField(
        _("what the client earns from this work"), blank=True, help_text=_("How does your work make them money?")
    )
    click_score = models.PositiveSmallIntegerField(
        _("click"), null=True, blank=True, choices=SCORE_CHOICES, help_text=_("1 = no click at all, 5 = a great fit.")
    )
    click_notes = models.TextField(_("notes on the click"), blank=True)
    professionalism = models.PositiveSmallIntegerField(
        _("professionalism"),
        null=True,
        blank=True,
        choices=SCORE_CHOICES,
        help_text=_("1 = breaks agreements, 5 = keeps every agreement."),
    )
    reminders_paused_reason = models.CharField(
        _("payment reminders paused because"),
        max_length=300,
        blank=True,
        help_text=_("Empty: reminders go out. Filled in: no payment reminders for this client."),
    )
    reminders_paused_at = models.DateTimeField(_("reminders paused since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(Lower("name"), "owner", name="client_name_unique_per_owner"),
            models.CheckConstraint(
                condition=Q(payment_term_days__gte=1, payment_term_days__lte=365), name="client_payment_term_range"
            ),
            models.CheckConstraint(
                condition=Q(click_score__isnull=True) | Q(click_score__gte=1, click_score__lte=5),
                name="client_click_score_range",
            ),
            models.CheckConstraint(
                condition=Q(professionalism__isnull=True) | Q(professionalism__gte=1, professionalism__lte=5),
                name="client_professionalism_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        # Normalise before the length and format checks, so "1234 5678" is a valid KvK number.
        self.kvk_number = normalise_identifier(self.kvk_number)
        self.vat_id = normalise_vat_id(self.vat_id)
        super().clean_fields(exclude=exclude)

    @property
    def payment_term_warning(self) -> str:
        if self.kind == self.Kind.BUSINESS and self.payment_term_days > MAX_PAYMENT_TERM_BUSINESS:
            return _(
                "A payment term of %(days)s days is longer than the 60 days Dutch law allows between businesses. "
                "A longer term counts as 30 days when the client is a large company."
            ) % {"days": self.payment_term_days}
        return ""

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.street_address, f"{self.postcode} {self.city}".strip(), self.country) if line]

    # Who gets which mail: one rule each (uses prefetched contacts when there are any).

    def reachable_contacts(self) -> list[Contact]:
        return [c for c in self.contacts.all() if c.email]

    @staticmethod
    def choose_deciders(contacts: list[Contact]) -> list[Contact]:
        """Decision makers; without one, the first contact (with an email address)."""
        return [c for c in contacts if c.is_decision_maker] or contacts[:1]

    @staticmethod
    def choose_payers(contacts: list[Contact]) -> list[Contact]:
        """Budget holders, else decision makers, else the first contact (with an email address)."""
        return [c for c in contacts if c.is_budget_holder] or Client.choose_deciders(contacts)

    def deciders(self) -> list[Contact]:
        """Who is asked to accept a phase, a contract or a wish, and gets the client's project page."""
        return self.choose_deciders(self.reachable_contacts())

    def payers(self) -> list[Contact]:
        """Who gets invoices and payment reminders."""
        return self.choose_payers(self.reachable_contacts())


class Contact(models.Model):
    ROLE_FIELDS = ("is_decision_maker", "is_budget_holder", "is_it_contact", "is_day_to_day", "is_legal_advisor")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    is_budget_holder = models.BooleanField(_("budget holder"), default=False)
    is_it_contact = models.BooleanField(_("IT contact"), default=False)
    is_day_to_day = models.BooleanField(_("day-to-day contact"), default=False)
    is_legal_advisor = models.BooleanField(_("legal advisor"), default=False)
    last_spoken_on = models.DateField(
        _("last spoke to them"), null=True, blank=True, help_text=_("Decision makers make budget: keep in touch.")
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_decision_maker", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not any(getattr(self, field) for field in self.ROLE_FIELDS):
            raise ValidationError(_("Choose at least one role for this contact."), code="no_role")
        if self.last_spoken_on and self.last_spoken_on > timezone.localdate():
            raise ValidationError({"last_spoken_on": _("This date is in the future.")}, code="future")

    @property
    def roles(self) -> list[str]:
        return [str(self._meta.get_field(field).verbose_name) for field in self.ROLE_FIELDS if getattr(self, field)]

    @property
    def needs_a_talk(self) -> bool:
        """A decision maker not spoken to for DECISION_MAKER_NUDGE_WEEKS weeks, or never."""
        if not self.is_decision_maker:
            return False
        if self.last_spoken_on is None:
            return True
        return timezone.localdate() - self.last_spoken_on > timedelta(weeks=DECISION_MAKER_NUDGE_WEEKS)

    def link_fields(self, project: Project, purpose: str, target: models.Model) -> dict:
        """``ClientLink.issue`` keyword arguments for this contact's link about ``target`` in
        ``project``: the freelancer's, in the client's language."""
        return {
            "owner": project.owner,
            "purpose": purpose,
            "target": target,
            "recipient_email": self.email,
            "recipient_name": self.name,
            "language": project.client.language,
        }


# -- projects and phases --------------------------------------------------------------


class Project(models.Model):
    class Status(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        CONTRACTED = "contracted", _("Contracted")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    OPEN_STATUSES = (Status.PROPOSAL, Status.CONTRACTED, Status.ACTIVE)
    # From contract on, the hard first deadline moves only through a renegotiation.
    LOCKED_STATUSES = (Status.CONTRACTED, Status.ACTIVE, Status.COMPLETED, Status.STOPPED)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects", verbose_name=_("client"))
    name = models.CharField(_("name"), max_length=200)
    goal = models.TextField(_("goal"), blank=True, help_text=_("What should this project achieve for the client?"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PROPOSAL)
    first_deadline = models.DateField(
        _("hard first deadline"), null=True, blank=True, help_text=_("The deadline of phase 1. It is sacred.")
    )
    stopped_reason = models.TextField(_("reason for stopping"), blank=True)
    hourly_rate = models.DecimalField(
        _("hourly rate (excl. VAT)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The rate for extra work from the bucket."),
    )

    class InvoiceTiming(models.TextChoices):
        AT_DELIVERY = "at_delivery", _("When the client accepts a phase")
        IN_ADVANCE = "in_advance", _("In advance, when a phase starts")

    invoice_timing = models.CharField(
        _("invoice fixed-price phases"),
        max_length=12,
        choices=InvoiceTiming,
        default=InvoiceTiming.AT_DELIVERY,
        help_text=_("A draft invoice is made for you at that moment; you check it and send it."),
    )
    deposit_percent = models.DecimalField(
        _("deposit (percentage of the fixed prices)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Invoiced in advance when the client accepts the contract; deducted from the final invoice."),
    )
    deposit_amount = models.DecimalField(
        _("deposit (fixed amount, excl. VAT)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Instead of a percentage: a fixed advance, excl. VAT."),
    )
    swap_tolerance_percent = models.PositiveSmallIntegerField(
        _("swap tolerance (%)"),
        default=10,
        validators=[MaxValueValidator(100)],
        help_text=_("How far the hours of swapped scope may differ from the wish's estimate."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        # The project list, newest first: one page read in order, not ten years sorted.
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="project_owner_newest")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="stopped") | ~Q(stopped_reason=""), name="project_stopped_needs_reason"
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gte=0), name="project_rate_not_negative"
            ),
            models.CheckConstraint(condition=Q(swap_tolerance_percent__lte=100), name="project_tolerance_max_100"),
            models.CheckConstraint(
                condition=Q(deposit_percent__isnull=True) | Q(deposit_amount__isnull=True),
                name="project_deposit_percent_or_amount",
            ),
            models.CheckConstraint(
                condition=Q(deposit_percent__isnull=True) | Q(deposit_percent__gt=0, deposit_percent__lte=100),
                name="project_deposit_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(deposit_amount__isnull=True) | Q(deposit_amount__gt=0), name="project_deposit_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Every change of the hard first deadline is logged; after the contract it is refused.

        (Renegotiation writes the date with a queryset update and logs its own event.)
        """
        update_fields = kwargs.get("update_fields")
        old_deadline = None
        changed = False
        if self.pk and not kwargs.get("force_insert") and (update_fields is None or "first_deadline" in update_fields):
            stored = Project.objects.filter(pk=self.pk).values_list("status", "first_deadline").first()
            if stored and stored[1] != self.first_deadline:
                if stored[0] in self.LOCKED_STATUSES:
                    raise RuleViolation(
                        _("The project is contracted: the first deadline changes only by renegotiation.")
                    )
                old_deadline, changed = stored[1], True
        with transaction.atomic():
            super().save(*args, **kwargs)
            if changed:
                self.log(PhaseEvent.Kind.DEADLINE_SET, None, old=_iso(old_deadline), new=_iso(self.first_deadline))

    def clean(self) -> None:
        if self.client_id and self.owner_id and self.client.owner_id != self.owner_id:
            raise ValidationError({"client": _("Choose one of your own clients.")})

    @property
    def is_locked(self) -> bool:
        return self.status in self.LOCKED_STATUSES

    def log(self, kind: str, actor=None, *, phase=None, reason: str = "", actor_label: str = "", **data) -> PhaseEvent:
        return PhaseEvent.objects.create(
            project=self, phase=phase, kind=kind, actor=actor, actor_label=actor_label[:200], reason=reason, data=data
        )

    # The hard first deadline ------------------------------------------------------------

    def set_first_deadline(self, new: date, actor) -> None:
        """Plan or re-plan the first deadline; only while the project is a proposal."""
        if self.is_locked:
            raise RuleViolation(_("The project is contracted: the first deadline changes only by renegotiation."))
        with transaction.atomic():
            old = Project.objects.select_for_update().values_list("first_deadline", flat=True).get(pk=self.pk)
            if old == new:
                return
            Project.objects.filter(pk=self.pk).update(first_deadline=new)
            self.first_deadline = new
            self.log(PhaseEvent.Kind.DEADLINE_SET, actor, old=_iso(old), new=_iso(new))

    def renegotiate_first_deadline(self, new: date, *, reason: str, client_agreement: str, actor) -> None:
        """Move a contracted first deadline, recording why and what the client agreed."""
        if not self.is_locked:
            raise RuleViolation(_("The project is not contracted yet: just change the date in the plan."))
        if self.status in (self.Status.COMPLETED, self.Status.STOPPED):
            raise RuleViolation(_("This project is closed; its deadlines no longer change."))
        if not reason.strip() or not client_agreement.strip():
            raise RuleViolation(_("A renegotiation needs a reason and what the client agreed to."))
        first = self.phases.order_by("position").first()
        if first and first.status == Phase.Status.ACCEPTED:
            raise RuleViolation(_("Phase 1 is already accepted; its deadline is history."))
        with transaction.atomic():
            locked = Project.objects.select_for_update().get(pk=self.pk)
            old = locked.first_deadline
            if old == new:
                raise RuleViolation(_("The new deadline is the same as the current one."))
            Project.objects.filter(pk=self.pk).update(first_deadline=new)
            self.first_deadline = new
            self.log(
                PhaseEvent.Kind.RENEGOTIATED,
                actor,
                phase=first,
                reason=reason,
                old=_iso(old),
                new=_iso(new),
                client_agreement=client_agreement,
            )

    # Status ----------------------------------------------------------------------------

    def _move(self, allowed_from, to: str, actor, *, reason: str = "", actor_label: str = "", **fields) -> None:
        guarded_move(
            self,
            allowed_from,
            to,
            refused=lambda project: (
                _("A %(status)s project cannot become %(target)s.")
                % {"status": project.get_status_display().lower(), "target": self.Status(to).label.lower()}
            ),
            log=lambda old: self.log(
                PhaseEvent.Kind.PROJECT_STATUS, actor, reason=reason, actor_label=actor_label, old=old, new=to
            ),
            **fields,
        )

    def mark_contracted(self, actor, *, reason: str = "") -> None:
        if self.first_deadline is None:
            raise RuleViolation(_("Set the hard first deadline before the project is contracted."))
        if not self.phases.exists():
            raise RuleViolation(_("Plan at least one phase before the project is contracted."))
        self._move([self.Status.PROPOSAL], self.Status.CONTRACTED, actor, reason=reason)

    def stop(self, actor, *, reason: str) -> None:
        if not reason.strip():
            raise RuleViolation(_("Say why the project stops; the reason is kept in its history."))
        self._move(self.OPEN_STATUSES, self.Status.STOPPED, actor, reason=reason, stopped_reason=reason.strip())

    # Phases ----------------------------------------------------------------------------

    def ordered_phases(self) -> list[Phase]:
        phases = getattr(self, "_prefetched_objects_cache", {}).get("phases")
        return (
            sorted(phases, key=lambda p: p.position) if phases is not None else list(self.phases.order_by("position"))
        )

    def schedule(self, today: date | None = None) -> list[ScheduledPhase]:
        return schedule(self, self.ordered_phases(), today=today)

    def add_phase(self, actor, *, title: str, **fields) -> Phase:
        if self.status in (self.Status.COMPLETED, self.Status.STOPPED):
            raise RuleViolation(_("This project is closed; it gets no new phases."))
        with transaction.atomic():
            Project.objects.select_for_update().filter(pk=self.pk).first()
            position = (self.phases.aggregate(m=models.Max("position"))["m"] or 0) + 1
            phase = Phase.objects.create(project=self, position=position, title=title, **fields)
            self.log(PhaseEvent.Kind.PHASE_ADDED, actor, phase=phase, title=title, position=position)
        return phase

    PLAN_FROZEN = _(
        "The phase plan is part of the accepted contract. Change it by renegotiation, or let paid extra work "
        "from the bucket add a phase."
    )

    def move_phase(self, phase: Phase, new_position: int, actor) -> None:
        """Reorder: the moved phase and every phase it passes must still be planned."""
        if self.is_locked:
            raise RuleViolation(self.PLAN_FROZEN)
        with transaction.atomic():
            Project.objects.select_for_update().filter(pk=self.pk).first()
            phases = list(self.phases.order_by("position"))
            current = next((p for p in phases if p.pk == phase.pk), None)
            if current is None:
                raise RuleViolation(_("That phase is not part of this project."))
            new_position = max(1, min(new_position, len(phases)))
            if new_position == current.position:
                return
            low, high = sorted((current.position, new_position))
            affected = [p for p in phases if low <= p.position <= high]
            if any(p.status != Phase.Status.PLANNED for p in affected):
                raise RuleViolation(_("Only planned phases can be reordered; work has started on one of these."))
            phases.remove(current)
            phases.insert(new_position - 1, current)
            # Two steps, so the unique (project, position) constraint never sees a clash.
            offset = len(phases) + 1000
            Phase.objects.filter(pk__in=[p.pk for p in affected]).update(position=models.F("position") + offset)
            for index, p in enumerate(phases, start=1):
                if low <= index <= high:
                    Phase.objects.filter(pk=p.pk).update(position=index)
            phase.position = new_position
            self.log(PhaseEvent.Kind.PHASE_MOVED, actor, phase=phase, old=current.position, new=new_position)

    def remove_phase(self, phase: Phase, actor) -> None:
        if self.is_locked:
            raise RuleViolation(self.PLAN_FROZEN)
        with transaction.atomic():
            Project.objects.select_for_update().filter(pk=self.pk).first()
            claimed = Phase.objects.filter(pk=phase.pk, project=self, status=Phase.Status.PLANNED)
            position = phase.position
            title = phase.title
            if not claimed.exists():
                raise RuleViolation(_("Only a planned phase can be removed."))
            claimed.delete()
            # Close the gap in two steps, so no row ever collides with another's position.
            later = Phase.objects.filter(project=self, position__gt=position)
            later.update(position=models.F("position") + 10_000)
            Phase.objects.filter(project=self, position__gt=10_000).update(position=models.F("position") - 10_001)
            self.log(PhaseEvent.Kind.PHASE_REMOVED, actor, title=title, position=position)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


class Phase(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DELIVERED = "delivered", _("Delivered")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")

    class Pricing(models.TextChoices):
        FIXED = "fixed", _("Fixed price")
        TIME = "time", _("Time and materials")

    class OffsetUnit(models.TextChoices):
        WEEKS = "weeks", _("weeks")
        WORKING_DAYS = "working_days", _("working days")

    TRANSITIONS = {
        Status.PLANNED: {Status.IN_PROGRESS},
        Status.IN_PROGRESS: {Status.DELIVERED},
        Status.DELIVERED: {Status.ACCEPTED, Status.CHANGES_REQUESTED},
        Status.CHANGES_REQUESTED: {Status.IN_PROGRESS},
        Status.ACCEPTED: set(),
    }
    WORKING_STATUSES = (Status.IN_PROGRESS, Status.DELIVERED, Status.CHANGES_REQUESTED)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    pricing = models.CharField(_("pricing"), max_length=5, choices=Pricing, default=Pricing.FIXED)
    fixed_price = models.DecimalField(
        _("fixed price (excl. VAT)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    offset_amount = models.PositiveSmallIntegerField(
        _("due after acceptance of the previous phase"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(520)],
        help_text=_("Not used for phase 1, which has the hard deadline."),
    )
    offset_unit = models.CharField(_("unit"), max_length=12, choices=OffsetUnit, default=OffsetUnit.WEEKS)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.PLANNED)
    due_date = models.DateField(
        _("fixed due date"), null=True, blank=True, help_text=_("Set when the previous phase is accepted.")
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint("project", "position", name="phase_position_unique_per_project"),
            models.CheckConstraint(condition=Q(position__gte=1), name="phase_position_positive"),
            models.CheckConstraint(condition=Q(offset_amount__gte=1), name="phase_offset_at_least_one"),
            models.CheckConstraint(
                condition=Q(fixed_price__isnull=True) | Q(fixed_price__gte=0), name="phase_fixed_price_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False), name="phase_accepted_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def save(self, *args, **kwargs) -> None:
        if self.pk and not kwargs.get("force_insert"):
            stored = (
                Phase.objects.filter(pk=self.pk)
                .values_list("status", "offset_amount", "offset_unit", "project__status")
                .first()
            )
            if stored and stored[0] == self.Status.ACCEPTED:
                raise RuleViolation(_("An accepted phase is read-only."))
            if (
                stored
                and stored[3] in Project.LOCKED_STATUSES
                and (stored[1], stored[2]) != (self.offset_amount, self.offset_unit)
            ):
                raise RuleViolation(Project.PLAN_FROZEN)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != self.Status.PLANNED:
            raise RuleViolation(_("Only a planned phase can be removed."))
        return super().delete(*args, **kwargs)

    @property
    def is_first(self) -> bool:
        return self.position == 1

    @property
    def is_read_only(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @property
    def deadline_rule(self) -> str:
        if self.is_first:
            return _("hard deadline")
        return deadline_rule_text(self.rule_data())

    def rule_data(self) -> dict:
        """The deadline rule of a phase after the first, language-neutral (for the history)."""
        return {"amount": self.offset_amount, "unit": self.offset_unit, "previous": self.position - 1}

    def due_after(self, accepted_on: date) -> date | None:
        """This phase's due date if the previous phase is accepted on `accepted_on`.

        None when the date would fall beyond the calendar (year 9999): no plan reaches that far.
        """
        try:
            if self.offset_unit == self.OffsetUnit.WORKING_DAYS:
                return next_working_day(add_working_days(accepted_on, self.offset_amount))
            return next_working_day(accepted_on + timedelta(weeks=self.offset_amount))
        except OverflowError:
            return None

    def allowed_transitions(self) -> set[str]:
        return self.TRANSITIONS[self.Status(self.status)]

    # Transitions -------------------------------------------------------------------------

    def _transition(self, source: str, to: str, actor, *, reason: str = "", actor_label: str = "", **fields) -> None:
        """Move from `source` to `to` with a conditional UPDATE: a double click or a race loses."""
        if to not in self.TRANSITIONS[source]:
            raise ValueError(f"{source} -> {to} is not in the transition table")
        if self.project.status in (Project.Status.COMPLETED, Project.Status.STOPPED):
            raise RuleViolation(
                _("This project is %(status)s; its phases no longer change.")
                % {"status": self.project.get_status_display().lower()}
            )

        def log(old: str) -> None:
            self.project.log(
                PhaseEvent.Kind.TRANSITION, actor, phase=self, reason=reason, actor_label=actor_label, old=old, new=to
            )
            if to != self.Status.DELIVERED:
                self.revoke_acceptance_links(_("the phase changed"))

        guarded_move(
            self,
            [source],
            to,
            refused=lambda phase: (
                _("A phase that is %(status)s cannot become %(target)s.")
                % {"status": phase.get_status_display().lower(), "target": self.Status(to).label.lower()}
            ),
            log=log,
            **fields,
        )

    def revoke_acceptance_links(self, reason: str) -> int:
        """Links to accept a delivery stop working once the phase moves on."""
        from freelance.links.models import ClientLink

        return (
            ClientLink.objects.filter(acceptance_request__phase=self)
            .filter(ClientLink.usable())
            .update(revoked_at=timezone.now(), revoked_reason=str(reason)[:200])
        )

    def previous(self) -> Phase | None:
        return Phase.objects.filter(project_id=self.project_id, position=self.position - 1).first()

    def next(self) -> Phase | None:
        return Phase.objects.filter(project_id=self.project_id, position=self.position + 1).first()

    def start(self, actor) -> None:
        project = self.project
        if project.status not in (Project.Status.CONTRACTED, Project.Status.ACTIVE):
            raise RuleViolation(
                _("Work starts once the project is contracted. This project is %(status)s.")
                % {"status": project.get_status_display().lower()}
            )
        previous = self.previous()
        if previous is not None and previous.status != self.Status.ACCEPTED:
            raise RuleViolation(
                _("Phase %(number)s cannot start before the client has accepted phase %(previous)s.")
                % {"number": self.position, "previous": previous.position}
            )
        with transaction.atomic():
            self._transition(self.Status.PLANNED, self.Status.IN_PROGRESS, actor, started_at=timezone.now())
            if project.status == Project.Status.CONTRACTED:
                project._move([Project.Status.CONTRACTED], Project.Status.ACTIVE, actor)
            signals.phase_started.send(sender=Phase, phase=self, actor=actor)

    def deliver(self, actor, *, note: str = "") -> None:
        self._transition(
            self.Status.IN_PROGRESS, self.Status.DELIVERED, actor, reason=note, delivered_at=timezone.now()
        )

    def request_changes(self, actor, *, comment: str, actor_label: str = "") -> None:
        if not comment.strip():
            raise RuleViolation(_("Say which changes are needed."))
        self._transition(
            self.Status.DELIVERED, self.Status.CHANGES_REQUESTED, actor, reason=comment, actor_label=actor_label
        )

    def resume(self, actor, *, actor_label: str = "") -> None:
        self._transition(self.Status.CHANGES_REQUESTED, self.Status.IN_PROGRESS, actor, actor_label=actor_label)

    def accept(self, actor, *, accepted_at=None, reason: str = "", actor_label: str = "") -> Phase | None:
        """Record acceptance, fix the next phase's due date, and complete the project after the last phase.

        Returns the next phase, if any, with its new fixed due date.
        """
        accepted_at = accepted_at or timezone.now()
        with transaction.atomic():
            self._transition(
                self.Status.DELIVERED,
                self.Status.ACCEPTED,
                actor,
                reason=reason,
                actor_label=actor_label,
                accepted_at=accepted_at,
            )
            following = self.next()
            if following is not None:
                due = following.due_after(timezone.localdate(accepted_at))
                Phase.objects.filter(pk=following.pk).update(due_date=due)
                following.due_date = due
                self.project.log(
                    PhaseEvent.Kind.DUE_DATE_FIXED,
                    actor,
                    actor_label=actor_label,
                    phase=following,
                    new=_iso(due),
                    rule=following.rule_data(),  # shown in the reader's language: deadline_rule_text
                )
            elif not self.project.phases.exclude(status=self.Status.ACCEPTED).exists():
                self.project._move([Project.Status.ACTIVE], Project.Status.COMPLETED, actor, actor_label=actor_label)
            signals.phase_accepted.send(sender=Phase, phase=self, actor=actor)
        return following


class InPlanManager(models.Manager):
    """Scope items still in the plan: an item swapped out for a wish leaves the plan but is kept."""

    def get_queryset(self):
        return super().get_queryset().filter(swapped_out_by__isnull=True)


class ScopeItem(models.Model):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="scope_items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("scope item"), max_length=300)
    estimate_hours = models.DecimalField(
        _("estimate (hours)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("9999"))],
    )
    change_request = models.ForeignKey(
        "ChangeRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scope_items",
        verbose_name=_("from the wish"),
    )
    billable_extra = models.BooleanField(_("paid extra work"), default=False)
    swapped_out_by = models.ForeignKey(
        "ChangeRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="swapped_out_items",
        verbose_name=_("swapped out for"),
    )

    objects = InPlanManager()
    all_objects = models.Manager()  # noqa: DJ012 - ruff takes a second manager for a field

    class Meta:
        verbose_name = _("scope item")
        verbose_name_plural = _("scope items")
        ordering = ["phase", "position", "pk"]
        base_manager_name = "all_objects"
        constraints = [
            models.CheckConstraint(condition=Q(estimate_hours__gte=0), name="scope_estimate_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if Phase.objects.filter(pk=self.phase_id, status=Phase.Status.ACCEPTED).exists():
            raise RuleViolation(_("An accepted phase is read-only."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Phase.objects.filter(pk=self.phase_id, status=Phase.Status.ACCEPTED).exists():
            raise RuleViolation(_("An accepted phase is read-only."))
        return super().delete(*args, **kwargs)


class Risk(models.Model):
    class Party(models.TextChoices):
        CLIENT = "client", _("The client")
        FREELANCER = "freelancer", _("Me")
        THIRD_PARTY = "third_party", _("A third party")

    class Level(models.IntegerChoices):
        LOW = 1, _("low")
        MEDIUM = 2, _("medium")
        HIGH = 3, _("high")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MITIGATED = "mitigated", _("Mitigated")
        OCCURRED = "occurred", _("Occurred")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField(_("risk"))
    party = models.CharField(_("whose risk"), max_length=12, choices=Party, default=Party.CLIENT)
    third_party = models.CharField(
        _("which third party"), max_length=200, blank=True, help_text=_("For example: the client's photographer.")
    )
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), choices=Level, default=Level.MEDIUM)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level, default=Level.MEDIUM)
    mitigation = models.TextField(_("mitigation plan"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["project", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(likelihood__in=[1, 2, 3]), name="risk_likelihood_level"),
            models.CheckConstraint(condition=Q(impact__in=[1, 2, 3]), name="risk_impact_level"),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    def clean(self) -> None:
        if self.party == self.Party.THIRD_PARTY and not self.third_party.strip():
            raise ValidationError({"third_party": _("Name the third party, so the plan says who to chase.")})

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class PhaseEvent(AppendOnly):
    """Append-only history of a project: transitions, deadline changes, plan edits."""

    immutable_message = _("Project history cannot be changed.")
    undeletable_message = _("Project history cannot be deleted.")

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("Phase status changed")
        DUE_DATE_FIXED = "due_date_fixed", _("Due date fixed")
        DEADLINE_SET = "deadline_set", _("First deadline planned")
        RENEGOTIATED = "renegotiated", _("First deadline renegotiated")
        PROJECT_STATUS = "project_status", _("Project status changed")
        PHASE_ADDED = "phase_added", _("Phase added")
        PHASE_MOVED = "phase_moved", _("Phase moved")
        PHASE_REMOVED = "phase_removed", _("Phase removed")
        WISH = "wish", _("Wish in the bucket")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    phase = models.ForeignKey(Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    kind = models.CharField(_("what"), max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("who"), max_length=200, blank=True, help_text=_("Set when a client acted."))
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    @property
    def text(self) -> str:
        """The event's details in the reader's language (see ``history_text``)."""
        return history_text(self.reason)

    @property
    def who_label(self) -> str:
        """Who acted, when it was a client (no user): in the reader's language."""
        return history_text(self.actor_label)


# -- history text: stored language-neutral, shown in the reader's language ------------------
#
# What the app itself writes into an event's ``reason`` or ``actor_label`` is the English source
# text of a message (its msgid) with its values filled in, never a translation: the client's
# request may run in Dutch while the freelancer reads in English. ``history_text`` recognises
# these messages and translates them for the reader. Rows written before (translated into the
# language of the request that caused them) are evidence and stay as stored; their Dutch text is
# recognised the same way. Anything else (a reason the freelancer typed) is shown as typed.

HISTORY_MESSAGES = (
    gettext_noop("Wish added to the bucket"),
    gettext_noop("Wish assessed"),
    gettext_noop("Extra cost: the client was asked to decide"),
    gettext_noop("Wish done"),
    gettext_noop("Wish dropped: %(reason)s"),
    gettext_noop("Accepted by %(name)s"),
    gettext_noop("%(name)s (client, via email link)"),
    gettext_noop("%(name)s, recorded by the freelancer"),
    gettext_noop("%(name)s (client page)"),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def history_message(msgid: str, **values) -> str:
    """The language-neutral text to store: the message's source text with its values."""
    return msgid % values if values else msgid


def _pattern(text: str) -> re.Pattern:
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+)")
        last = match.end()
    parts.append(re.escape(text[last:]))
    return re.compile("".join(parts), re.DOTALL)


@functools.cache
def _history_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern, msgid) for each message as stored now (English) and as older rows hold it."""
    patterns = [(_pattern(msgid), msgid) for msgid in HISTORY_MESSAGES]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for msgid in HISTORY_MESSAGES:
                translated = gettext(msgid)
                if translated != msgid:
                    patterns.append((_pattern(translated), msgid))
    return tuple(patterns)


@functools.cache
def _history_labels() -> dict[str, tuple[type, str]]:
    """A wish's classification or decision, stored as its value (or, before, as its label)."""
    labels: dict[str, tuple[type, str]] = {}
    for choices in (ChangeRequest.Classification, ChangeRequest.Decision):
        for value in choices.values:
            labels[value] = (choices, value)
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    labels.setdefault(str(choices(value).label), (choices, value))
    return labels


def history_text(stored: str) -> str:
    """``stored`` (an event's reason or actor label) in the active language."""
    if not stored:
        return ""
    label = _history_labels().get(stored)
    if label is not None:
        choices, value = label
        return str(choices(value).label)
    for pattern, msgid in _history_patterns():
        match = pattern.fullmatch(stored)
        if match:
            return gettext(msgid) % match.groupdict() if match.groupdict() else gettext(msgid)
    return stored


def deadline_rule_text(rule: dict | str) -> str:
    """A phase's deadline rule in the active language, from ``Phase.rule_data()``; a rule stored
    as text by an older version is shown as stored."""
    if not isinstance(rule, dict):
        return str(rule)
    values = {"amount": rule["amount"], "previous": rule["previous"]}
    if rule["unit"] == Phase.OffsetUnit.WORKING_DAYS:
        return (
            ngettext(
                "%(amount)s working day after acceptance of phase %(previous)s",
                "%(amount)s working days after acceptance of phase %(previous)s",
                rule["amount"],
            )
            % values
        )
    return (
        ngettext(
            "%(amount)s week after acceptance of phase %(previous)s",
            "%(amount)s weeks after acceptance of phase %(previous)s",
            rule["amount"],
        )
        % values
    )


# -- derived dates --------------------------------------------------------------------


class DateKind(models.TextChoices):
    HARD = "hard", _("hard")
    FIXED = "fixed", _("fixed")
    PROJECTED = "projected", _("projected")


@dataclass(frozen=True)
class ScheduledPhase:
    phase: Phase
    date: date | None
    kind: str | None  # a DateKind, or None when the plan has no first deadline yet
    accepted_on: date | None
    blocked_by: Phase | None  # the unaccepted predecessor that keeps this phase from starting

    @property
    def kind_label(self) -> str:
        return DateKind(self.kind).label if self.kind else ""

    @property
    def is_overdue(self) -> bool:
        return (
            self.date is not None and self.accepted_on is None and self.phase.status != Phase.Status.DELIVERED
            and self.date < timezone.localdate()
        )  # fmt: skip


def schedule(project: Project, phases: list[Phase], *, today: date | None = None) -> list[ScheduledPhase]:
    """Every phase's due date and its kind: hard, fixed or projected.

    Phase 1 has the project's hard deadline. A later phase has a fixed date once its
    predecessor is accepted. Otherwise its date is projected: the predecessor's date (or
    today, if that date has passed without acceptance) plus the offset, on a working day.
    """
    today = today or timezone.localdate()
    result: list[ScheduledPhase] = []
    previous: ScheduledPhase | None = None
    for phase in phases:
        accepted_on = timezone.localdate(phase.accepted_at) if phase.accepted_at else None
        if previous is None:
            due, kind = project.first_deadline, (DateKind.HARD if project.first_deadline else None)
        elif previous.accepted_on is not None:
            due = phase.due_date or phase.due_after(previous.accepted_on)
            kind = DateKind.FIXED if due else None
        elif previous.date is not None:
            due = phase.due_after(max(previous.date, today))
            kind = DateKind.PROJECTED if due else None
        else:
            due, kind = None, None
        blocked_by = None
        if previous is not None and previous.accepted_on is None:
            blocked_by = previous.phase
        current = ScheduledPhase(phase=phase, date=due, kind=kind, accepted_on=accepted_on, blocked_by=blocked_by)
        result.append(current)
        previous = current
    return result


# -- acceptance by the client ----------------------------------------------------------


class AcceptanceRequest(models.Model):
    """A delivered phase, sent to one contact with a link to accept it or ask for changes."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="acceptance_requests")
    link = models.OneToOneField("links.ClientLink", on_delete=models.PROTECT, related_name="acceptance_request")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="acceptance_requests"
    )
    delivery_note = models.TextField(_("delivery note"), blank=True)
    deliverables = models.JSONField(_("deliverables"), default=list, blank=True, help_text=_("Links, one per line."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("acceptance request")
        verbose_name_plural = _("acceptance requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.phase} → {self.link.recipient_email}"


class Acceptance(ClientEvidence):
    """The client's recorded decision on a delivered phase: evidence, never changed.

    Who (the contact reached through a single-use link, and the name they typed), that
    they meant it (a ticked box, by POST), what exactly they saw (the stored snapshot and
    its SHA-256), and when and from where (time, IP and user agent of view and decision).
    """

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    request = models.OneToOneField(AcceptanceRequest, on_delete=models.PROTECT, related_name="acceptance")
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="acceptances")
    decision = models.CharField(_("decision"), max_length=20, choices=Decision)
    typed_name = models.CharField(_("typed name"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # PROTECT: evidence is never rewritten, so a contact who decided cannot be deleted (the
    # contacts page says why); SET_NULL would change this row and break the evidence chain.
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    viewed_at = models.DateTimeField(_("page opened"))  # always known: the decision time if nothing else

    evidence_owner = "phase__project__owner"  # the freelancer whose evidence chain holds this row

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="accepted") | ~Q(typed_name=""), name="acceptance_has_typed_name"
            ),
            models.CheckConstraint(
                condition=~Q(decision="changes_requested") | ~Q(comment=""), name="changes_have_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.phase} by {self.contact_name}"


# -- the bucket: later wishes, and the beep ---------------------------------------------


class ChangeRequest(models.Model):
    """A later wish or demand (bevinding). It goes into the bucket, never silently into the work."""

    class Source(models.TextChoices):
        EMAIL = "email", _("Email")
        CALL = "call", _("Phone call")
        MEETING = "meeting", _("Meeting")
        CLIENT_PAGE = "client_page", _("The client's project page")
        DELIVERY = "delivery", _("Found during delivery")

    class Classification(models.TextChoices):
        FITS_SCOPE = "fits_scope", _("Fits the agreed scope")
        EXTRA_COST = "extra_cost", _("Extra cost")
        OWN_MISJUDGEMENT = "own_misjudgement", _("Own misjudgement")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ASSESSED = "assessed", _("Assessed")
        WAITING = "waiting", _("Waiting for the client")
        DECIDED = "decided", _("Decided")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    class Decision(models.TextChoices):
        STOP = "stop", _("Stop: drop the wish")
        PAY = "pay", _("Pay for it")
        SWAP = "swap", _("Swap it for planned scope")

    PENDING_STATUSES = (Status.NEW, Status.ASSESSED, Status.WAITING)
    UNCLASSIFIED_STATUSES = (Status.NEW, Status.ASSESSED)
    TRANSITIONS = {
        Status.NEW: {Status.ASSESSED, Status.WAITING, Status.DECIDED, Status.DROPPED},
        Status.ASSESSED: {Status.ASSESSED, Status.WAITING, Status.DECIDED, Status.DROPPED},  # re-estimating is fine
        Status.WAITING: {Status.DECIDED, Status.DROPPED},
        Status.DECIDED: {Status.DONE},
        Status.DONE: set(),
        Status.DROPPED: set(),
    }

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_requests")
    title = models.CharField(_("wish"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source, default=Source.EMAIL)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("asked by")
    )
    estimate_hours = models.DecimalField(
        _("estimate (hours)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("9999"))],
    )
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=8, decimal_places=2, null=True, blank=True)
    cost = models.DecimalField(_("cost (excl. VAT)"), max_digits=10, decimal_places=2, null=True, blank=True)
    classification = models.CharField(_("classification"), max_length=20, choices=Classification, blank=True)
    target_phase = models.ForeignKey(
        Phase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("goes into phase"),
        help_text=_("Empty: a new phase after the last one."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.NEW)
    decision = models.CharField(_("decision"), max_length=5, choices=Decision, blank=True)
    waiting_since = models.DateTimeField(_("waiting for the client since"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimate_hours__isnull=True) | Q(estimate_hours__gte=0), name="wish_estimate_not_negative"
            ),
            models.CheckConstraint(condition=Q(cost__isnull=True) | Q(cost__gte=0), name="wish_cost_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="waiting") | Q(classification="extra_cost", cost__isnull=False),
                name="wish_waiting_is_extra_cost_with_a_price",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING_STATUSES

    def allowed_transitions(self) -> set[str]:
        return self.TRANSITIONS[self.Status(self.status)]

    # Transitions -------------------------------------------------------------------------
    # The workflow around them (the beep's links and mails, the client's evidence, swapping
    # scope) is projects/bucket.py; these methods only move the wish and write its event.

    def refusal(self) -> str:
        """Why a step is not possible in the wish's current status."""
        return _("This wish is %(status)s; that step is not possible now.") % {
            "status": self.get_status_display().lower()
        }

    def log(self, actor, what: str, *, actor_label: str = "", **data) -> PhaseEvent:
        """The wish's line in the project history. ``what`` and ``actor_label`` are stored
        language-neutral (``history_message``), and shown with ``history_text``."""
        return self.project.log(
            PhaseEvent.Kind.WISH,
            actor,
            actor_label=actor_label,
            reason=str(what),
            wish=self.pk,
            title=self.title,
            **data,
        )

    def _move(
        self, allowed_from, to: str, actor, what: str, *, actor_label: str = "", event: dict | None = None, **fields
    ) -> None:
        """Move from one of `allowed_from` to `to` with a conditional UPDATE and log it in the same transaction.

        A double click or a race moves the wish once; the loser gets a RuleViolation and nothing is written."""
        for source in allowed_from:
            if to not in self.TRANSITIONS[source]:
                raise ValueError(f"{source} -> {to} is not in the transition table")
        guarded_move(
            self,
            allowed_from,
            to,
            refused=lambda wish: wish.refusal(),
            log=lambda old: self.log(actor, what, actor_label=actor_label, **(event or {})),
            **fields,
        )

    def assess(self, actor, *, estimate_hours: Decimal) -> None:
        """Estimate the hours; until the wish is classified, a new estimate replaces the old one."""
        if estimate_hours < 0:
            raise RuleViolation(_("An estimate cannot be negative."))
        self._move(
            self.UNCLASSIFIED_STATUSES,
            self.Status.ASSESSED,
            actor,
            history_message("Wish assessed"),
            event={"estimate_hours": str(estimate_hours)},
            estimate_hours=estimate_hours,
        )

    def classify(self, actor, *, classification: str, target_phase: Phase | None = None) -> None:
        """Fits the scope or own misjudgement: decided at once. Extra cost: priced, and waiting for the client.

        Asking the client (the beep) is the bucket's part: projects/bucket.classify."""
        if self.estimate_hours is None:
            raise RuleViolation(_("Estimate the hours first; the client needs to know what it costs."))
        if target_phase is not None and (target_phase.project_id != self.project_id or target_phase.is_read_only):
            raise RuleViolation(_("Paid extra work goes into a phase that is not accepted yet, or into a new phase."))
        if classification == self.Classification.EXTRA_COST:
            rate = effective_rate(self.project).amount  # its own rate, else the rate history's
            if not rate:
                raise RuleViolation(_("Set the project's hourly rate first, so the client sees the price."))
            cost = round_money(self.estimate_hours * rate)
            self._move(
                self.UNCLASSIFIED_STATUSES,
                self.Status.WAITING,
                actor,
                history_message("Extra cost: the client was asked to decide"),
                event={"cost": str(cost)},
                classification=classification,
                hourly_rate=rate,
                cost=cost,
                target_phase=target_phase,
                waiting_since=timezone.now(),
            )
            return
        if classification not in self.Classification.values:
            raise RuleViolation(_("Choose how this wish is classified."))
        self._move(
            self.UNCLASSIFIED_STATUSES,
            self.Status.DECIDED,
            actor,
            classification,  # the value: history_text shows its label in the reader's language
            classification=classification,
            decided_at=timezone.now(),
        )

    def record_decision(self, actor, *, decision: str, at, actor_label: str = "") -> None:
        """The status half of the client's stop / pay / swap: stop drops the wish, pay and swap decide it.

        The evidence and the scope changes are the bucket's part: projects/bucket.decide."""
        if decision not in self.Decision.values:
            raise RuleViolation(_("Choose: stop, pay or swap."))
        self._move(
            (self.Status.WAITING,),
            self.Status.DROPPED if decision == self.Decision.STOP else self.Status.DECIDED,
            actor,
            decision,  # the value: history_text shows its label in the reader's language
            actor_label=actor_label,
            event={"decision": decision},
            decision=decision,
            decided_at=at,
        )

    def finish(self, actor) -> None:
        self._move((self.Status.DECIDED,), self.Status.DONE, actor, history_message("Wish done"))

    def drop(self, actor, *, reason: str) -> None:
        if not reason.strip():
            raise RuleViolation(_("Say why the wish is dropped."))
        self._move(
            self.PENDING_STATUSES,
            self.Status.DROPPED,
            actor,
            history_message("Wish dropped: %(reason)s", reason=reason),
        )


class ChangeDecision(ClientEvidence):
    """The client's stop / pay / swap on a wish, with the same evidence as an acceptance.

    When the client decided by phone, the freelancer records it: `recorded_by` is set and
    the note says how the client decided; there is then no IP or browser of the client.
    """

    change_request = models.OneToOneField(ChangeRequest, on_delete=models.PROTECT, related_name="client_decision")
    decision = models.CharField(_("decision"), max_length=5, choices=ChangeRequest.Decision)
    swapped_items = models.JSONField(_("swapped scope items"), default=list, blank=True)
    link = models.OneToOneField(
        "links.ClientLink", on_delete=models.PROTECT, null=True, blank=True, related_name="change_decision"
    )
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    view_defaults_to_decision = False  # a decision recorded by the freelancer has no view
    evidence_owner = "change_request__project__owner"  # the freelancer whose evidence chain holds this row

    class Meta:
        verbose_name = _("decision on a wish")
        verbose_name_plural = _("decisions on wishes")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(link__isnull=False) | Q(recorded_by__isnull=False), name="decision_by_link_or_freelancer"
            ),
            models.CheckConstraint(
                condition=Q(recorded_by__isnull=True) | ~Q(note=""), name="phone_decision_has_a_note"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.change_request}"
