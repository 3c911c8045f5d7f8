"""The contract manager's world: terms, clause templates, contracts and their versions, rates.

Templates are edited in the admin and versioned: saving a template keeps the old text
as an earlier version, so a contract built from version 3 still shows what version 3
said. A contract's version is frozen when it is sent: its snapshot and SHA-256 never
change; editing afterwards makes the next version.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.placeholders import validate_clause_body
from freelance.lib.evidence import ClientEvidence, snapshot_hash
from freelance.lib.identifiers import validate_iban, validate_kvk_number, validate_vat_id
from freelance.lib.money import format_money, round_money
from freelance.lib.rules import AppendOnly, RuleViolation, guarded_move
from projects.gate import Action
from projects.models import Client, Project

if TYPE_CHECKING:
    from projects.nudges import NudgeSettings


class Category(models.TextChoices):
    AGREEMENTS = "agreements", _("Contractual agreements")
    ANNEX = "annex", _("The annex")
    DISAGREEMENT = "disagreement", _("Steps when we disagree")
    COOPERATION = "cooperation", _("Cooperation")
    RISKS = "risks", _("Risk management plan")
    LIABILITY = "liability", _("Liability, material and immaterial")
    DEFINITIONS = "definitions", _("Definitions: information, input and hiring in")
    RATES = "rates", _("Rates and surcharges")
    BEEP = "beep", _("The beep system and the bucket")
    PHASES = "phases", _("Phases, acceptance and deadlines")
    PAYMENT = "payment", _("Payment")


def owned_or_default(user) -> Q:
    """What a freelancer may use: their own templates and the install's defaults (no owner)."""
    user_id = getattr(user, "pk", user)
    return Q(owner__isnull=True) if user_id is None else Q(owner__isnull=True) | Q(owner_id=user_id)


def template_owner() -> models.ForeignKey:
    """The freelancer a template belongs to; none for the install's defaults, kept by the operator."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("owner"),
        help_text=_("Empty for the install's defaults."),
    )


class VersionedText(models.Model):
    """Append-only versions of a named text: `key` groups them, the highest `version` is current.

    A text without an owner is one of the install's defaults, kept by the operator; a
    freelancer's own text (their copy of a default, or a new one) has them as owner. For a
    freelancer, their own text of a key replaces the default of that key.
    """

    owner = template_owner()
    key = models.SlugField(_("key"), max_length=60, help_text=_("Same key, same text across versions."))
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="nl")
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), validators=[validate_clause_body])
    change_note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("saved"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["key", "language", "-version"]

    def __str__(self) -> str:
        return f"{self.title} ({self.language}, v{self.version})"

    @classmethod
    def versions_of(cls, *, owner_id: int | None, key: str, language: str):
        """Every version of one text of one owner (None: the install's default)."""
        return cls.objects.filter(owner_id=owner_id, key=key, language=language).order_by("-version")

    @classmethod
    def current(cls):
        """The newest version of every key and language, per owner (the defaults are one owner)."""
        same_text = {"key": models.OuterRef("key"), "language": models.OuterRef("language")}
        newer = cls.objects.filter(version__gt=models.OuterRef("version"), **same_text)
        newer_default = newer.filter(owner__isnull=True)
        newer_own = newer.filter(owner=models.OuterRef("owner"))
        return cls.objects.filter(
            Q(owner__isnull=True) & ~models.Exists(newer_default) | Q(owner__isnull=False) & ~models.Exists(newer_own)
        )

    @classmethod
    def for_user(cls, user):
        """The current texts a freelancer uses: their own, and each default they have no own text for.

        `user` may be a user, an id, or None (only the defaults).
        """
        user_id = getattr(user, "pk", user)
        if user_id is None:
            return cls.current().filter(owner__isnull=True)
        own = cls.objects.filter(owner_id=user_id, key=models.OuterRef("key"), language=models.OuterRef("language"))
        return cls.current().filter(Q(owner_id=user_id) | Q(owner__isnull=True) & ~models.Exists(own))

    @property
    def is_default(self) -> bool:
        return self.owner_id is None


class GeneralTerms(VersionedText):
    class Meta(VersionedText.Meta):
        verbose_name = _("general terms")
        verbose_name_plural = _("general terms")
        constraints = [
            models.UniqueConstraint(
                "key", "language", "version", condition=Q(owner__isnull=True), name="general_terms_version_unique"
            ),
            models.UniqueConstraint(
                "owner",
                "key",
                "language",
                "version",
                condition=Q(owner__isnull=False),
                name="own_general_terms_version_unique",
            ),
        ]


class ClauseTemplate(VersionedText):
    category = models.CharField(_("category"), max_length=20, choices=Category)

    class Meta(VersionedText.Meta):
        verbose_name = _("clause template")
        verbose_name_plural = _("clause templates")
        constraints = [
            models.UniqueConstraint(
                "key", "language", "version", condition=Q(owner__isnull=True), name="clause_template_version_unique"
            ),
            models.UniqueConstraint(
                "owner",
                "key",
                "language",
                "version",
                condition=Q(owner__isnull=False),
                name="own_clause_template_version_unique",
            ),
        ]


class ContractTemplate(models.Model):
    """An ordered set of clause keys plus general terms, in one language.

    Without an owner it is one of the install's defaults; a freelancer's own template (a
    copy of a default, or a new one) has them as owner. The keys resolve, for the
    freelancer using the template, to their own text of that key, else the default's.
    """

    owner = template_owner()
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="nl")
    general_terms_key = models.SlugField(_("general terms (key)"), max_length=60, blank=True)
    clause_keys = models.JSONField(
        _("clauses, in order"), default=list, help_text=_("The keys of the clause templates, in the order they appear.")
    )
    is_default = models.BooleanField(_("default for new contracts"), default=False)

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        ordering = ["language", "name"]
        constraints = [
            models.UniqueConstraint(
                "language",
                condition=Q(is_default=True, owner__isnull=True),
                name="one_default_contract_template_per_language",
            ),
            models.UniqueConstraint(
                "owner",
                "language",
                condition=Q(is_default=True, owner__isnull=False),
                name="one_own_default_contract_template_per_language",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @classmethod
    def for_user(cls, user):
        return cls.objects.filter(owned_or_default(user))

    @classmethod
    def default_for(cls, user, language: str) -> ContractTemplate | None:
        """The freelancer's own default for the language, else the install's."""
        candidates = cls.for_user(user).filter(language=language, is_default=True)
        return min(candidates, key=lambda t: t.owner_id is None, default=None)

    def clean(self) -> None:
        if not isinstance(self.clause_keys, list) or not all(isinstance(k, str) for k in self.clause_keys):
            raise ValidationError({"clause_keys": _("Give a list of clause keys.")})
        known = set(
            ClauseTemplate.objects.filter(owned_or_default(self.owner_id), language=self.language).values_list(
                "key", flat=True
            )
        )
        unknown = [k for k in self.clause_keys if k not in known]
        if unknown:
            raise ValidationError(
                {"clause_keys": _("No clause template with these keys: %(keys)s") % {"keys": ", ".join(unknown)}}
            )

    def clauses(self, user=None) -> list[ClauseTemplate]:
        """The current clause of each key, as `user` (default: the template's owner) would use it."""
        user = user if user is not None else self.owner_id
        current = {c.key: c for c in ClauseTemplate.for_user(user).filter(language=self.language)}
        return [current[key] for key in self.clause_keys if key in current]

    def general_terms(self, user=None) -> GeneralTerms | None:
        if not self.general_terms_key:
            return None
        user = user if user is not None else self.owner_id
        return GeneralTerms.for_user(user).filter(key=self.general_terms_key, language=self.language).first()


# -- the freelancer's business and rates ------------------------------------------------


def validate_day_list(value: str) -> None:
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and 0 < int(part) <= 365 for part in parts):
        raise ValidationError(_("Give whole days between 1 and 365, separated by commas."))


class BusinessProfile(models.Model):
    """The freelancer's own details, printed on contracts and invoices."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="business")
    business_name = models.CharField(_("business name"), max_length=200)
    street_address = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    kvk_number = models.CharField(_("KvK number"), max_length=8, blank=True, validators=[validate_kvk_number])
    vat_id = models.CharField(_("VAT id"), max_length=15, blank=True, validators=[validate_vat_id])
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    small_business_scheme = models.BooleanField(
        _("small-business scheme (KOR)"),
        default=False,
        help_text=_("You are exempt from VAT under the KOR: invoices charge no VAT and say so."),
    )
    floor_rate = models.DecimalField(
        _("floor hourly rate"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Below this effective rate a project is a pastime, not work. You get a warning."),
    )
    # Payment reminders, in days after the due date (business clients).
    friendly_reminder_days = models.PositiveSmallIntegerField(
        _("friendly reminder (days after due)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    firm_reminder_days = models.PositiveSmallIntegerField(
        _("firm reminder (days after due)"), default=14, validators=[MinValueValidator(2), MaxValueValidator(120)]
    )
    final_reminder_days = models.PositiveSmallIntegerField(
        _("final reminder (days after due)"), default=28, validators=[MinValueValidator(3), MaxValueValidator(180)]
    )
    # Consumers: the 14-day letter, then costs only after its term.
    consumer_letter_days = models.PositiveSmallIntegerField(
        _("14-day letter (days after due)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    consumer_receipt_margin_days = models.PositiveSmallIntegerField(
        _("days allowed for the letter to arrive"),
        default=2,
        validators=[MaxValueValidator(14)],
        help_text=_("The 14 days count from the day after receipt; this margin covers delivery."),
    )
    # Nudges and the digest.
    acceptance_nudge_days = models.CharField(
        _("nudge the client about a pending acceptance after (days)"),
        max_length=30,
        default="3,7",
        validators=[validate_day_list],
        help_text=_("Comma-separated, e.g. 3,7."),
    )
    decision_nudge_days = models.CharField(
        _("nudge the client about a pending decision after (days)"),
        max_length=30,
        default="3,7",
        validators=[validate_day_list],
    )
    waiting_too_long_days = models.PositiveSmallIntegerField(
        _("flag acceptances waiting longer than (days)"), default=5, validators=[MinValueValidator(1)]
    )
    talk_nudge_weeks = models.PositiveSmallIntegerField(
        _("remind me to talk to the decision maker after (weeks)"), default=6, validators=[MinValueValidator(1)]
    )
    daily_digest = models.BooleanField(_("send me a daily digest"), default=True)

    class Meta:
        verbose_name = _("business profile")
        verbose_name_plural = _("business profiles")

    def __str__(self) -> str:
        return self.business_name

    @property
    def address(self) -> str:
        return ", ".join(p for p in (self.street_address, f"{self.postcode} {self.city}".strip()) if p)

    @classmethod
    def for_owner(cls, owner) -> BusinessProfile:
        """The stored profile, or an unsaved one with the defaults (and the user's name)."""
        profile = cls.objects.filter(owner=owner).first()
        if profile is None:
            profile = cls(owner=owner, business_name=owner.get_full_name() or owner.get_username())
        return profile

    def clean(self) -> None:
        if not self.friendly_reminder_days < self.firm_reminder_days < self.final_reminder_days:
            raise ValidationError(_("The reminders must come in order: friendly, then firm, then final."))

    @staticmethod
    def days(value: str) -> list[int]:
        return sorted({int(part) for part in value.split(",") if part.strip()})

    def nudge_settings(self) -> NudgeSettings:
        from projects.nudges import NudgeSettings  # a sweep module: not loaded with the models

        return NudgeSettings(
            acceptance_days=self.days(self.acceptance_nudge_days),
            decision_days=self.days(self.decision_nudge_days),
            talk_weeks=self.talk_nudge_weeks,
        )

    @classmethod
    def nudge_settings_for(cls, owner_ids) -> Callable[[int], NudgeSettings]:
        """The nudge settings of many freelancers in one query; the defaults for those without a profile."""
        stored = {p.owner_id: p.nudge_settings() for p in cls.objects.filter(owner_id__in=owner_ids)}
        default = cls().nudge_settings()
        return lambda owner_id: stored.get(owner_id, default)


class HourlyRate(models.Model):
    """A dated rate: the freelancer's own (client empty) or agreed with one client."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hourly_rates")
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, null=True, blank=True, related_name="hourly_rates", verbose_name=_("client")
    )
    valid_from = models.DateField(_("valid from"))
    amount = models.DecimalField(
        _("hourly rate (excl. VAT)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    reason = models.CharField(
        _("reason the client sees"), max_length=300, blank=True, help_text=_("For example: more experience.")
    )

    class Meta:
        verbose_name = _("hourly rate")
        verbose_name_plural = _("hourly rates")
        ordering = ["owner", "client", "-valid_from"]
        constraints = [
            models.UniqueConstraint("owner", "client", "valid_from", name="one_rate_per_day"),
            models.UniqueConstraint(
                "owner", "valid_from", condition=Q(client__isnull=True), name="one_own_rate_per_day"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from {self.valid_from}"

    @classmethod
    def for_client(cls, owner, client: Client | None, on: date) -> HourlyRate | None:
        """The client's agreed rate on that day, or else the freelancer's own, in one query.

        `owner` and `client` may be objects or ids."""
        rates = cls.objects.filter(owner=owner, valid_from__lte=on)
        if client is None:
            return rates.filter(client__isnull=True).order_by("-valid_from").first()
        # Only this client's rates and the own ones: this client's come first, the newest first.
        candidates = rates.filter(Q(client=client) | Q(client__isnull=True))
        return candidates.order_by(models.F("client").asc(nulls_last=True), "-valid_from").first()


def default_evening_from():
    # A callable, not time(18, 0): Django's fields.W161 flags a fixed time default
    # whenever the check happens to run within ten seconds of that time of day.
    return time(18, 0)


def default_evening_until():
    return time(23, 59, 59)


class SurchargeRule(models.Model):
    """A multiplier agreed up front: the emergency call on Christmas Eve costs double."""

    class Applies(models.TextChoices):
        HOLIDAY = "holiday", _("Dutch public holidays")
        NAMED_DAY = "named_day", _("A named day (e.g. Christmas Eve)")
        WEEKEND = "weekend", _("Weekends")
        EVENING = "evening", _("Evening hours")
        EMERGENCY = "emergency", _("Work flagged as an emergency")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="surcharge_rules")
    name = models.CharField(_("name"), max_length=100)
    applies_to = models.CharField(_("applies to"), max_length=10, choices=Applies)
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("10.00"))],
        help_text=_("2.00 means double the hourly rate."),
    )
    month = models.PositiveSmallIntegerField(
        _("month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    evening_from = models.TimeField(_("evening from"), null=True, blank=True, default=default_evening_from)
    evening_until = models.TimeField(_("evening until"), null=True, blank=True, default=default_evening_until)

    class Meta:
        verbose_name = _("surcharge rule")
        verbose_name_plural = _("surcharge rules")
        ordering = ["owner", "-multiplier", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(multiplier__gte=1), name="surcharge_at_least_one"),
            models.CheckConstraint(
                condition=~Q(applies_to="named_day") | Q(month__isnull=False, day__isnull=False),
                name="named_day_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ×{self.multiplier}"

    def clean(self) -> None:
        if self.applies_to == self.Applies.NAMED_DAY:
            if not self.month or not self.day:
                raise ValidationError(_("A named day needs its month and day."))
            try:
                date(2024, self.month, self.day)  # a leap year, so 29 February is allowed
            except ValueError:
                raise ValidationError(_("That day does not exist in that month.")) from None


# -- a project's contract ---------------------------------------------------------------


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent to the client")
        ACCEPTED = "accepted", _("Accepted")

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="contract")
    template = models.ForeignKey(ContractTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="nl")
    general_terms = models.ForeignKey(
        GeneralTerms, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("general terms")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return _("Contract for %(project)s") % {"project": self.project}

    @property
    def is_editable(self) -> bool:
        return self.status != self.Status.ACCEPTED


class ContractClause(models.Model):
    """A clause of this client's contract: copied from a template, then edited for them."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses")
    position = models.PositiveSmallIntegerField(_("position"))
    category = models.CharField(_("category"), max_length=20, choices=Category, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), validators=[validate_clause_body])
    source = models.ForeignKey(
        ClauseTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("contract clause")
        verbose_name_plural = _("contract clauses")
        ordering = ["contract", "position"]
        constraints = [
            models.UniqueConstraint("contract", "position", name="clause_position_unique_per_contract"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def save(self, *args, **kwargs) -> None:
        if Contract.objects.filter(pk=self.contract_id, status=Contract.Status.ACCEPTED).exists():
            raise RuleViolation(_("An accepted contract is read-only."))
        super().save(*args, **kwargs)


class ContractVersion(models.Model):
    """What was sent to the client, frozen: the snapshot of every text and its SHA-256."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    snapshot_sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "-number"]
        constraints = [models.UniqueConstraint("contract", "number", name="contract_version_unique")]

    def __str__(self) -> str:
        return f"{self.contract} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuleViolation(_("A sent contract version cannot be changed; edit the contract to make a new one."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuleViolation(_("A sent contract version cannot be deleted."))

    def verify(self) -> bool:
        return snapshot_hash(self.snapshot) == self.snapshot_sha256


class ContractAcceptance(ClientEvidence):
    """The client's acceptance of a contract version: the same evidence as a phase acceptance.

    What was shown is the version's snapshot, so this row keeps no copy of its own.
    """

    version = models.OneToOneField(ContractVersion, on_delete=models.PROTECT, related_name="acceptance")
    link = models.OneToOneField("links.ClientLink", on_delete=models.PROTECT, related_name="contract_acceptance")
    typed_name = models.CharField(_("typed name"), max_length=200)
    snapshot = None
    snapshot_sha256 = None
    decided_at = models.DateTimeField(_("accepted"))
    decision_ip = models.GenericIPAddressField(_("IP address of the acceptance"), null=True, blank=True)
    decision_user_agent = models.CharField(_("browser of the acceptance"), max_length=500, blank=True)

    evidence_owner = "version__contract__project__owner"  # the freelancer whose evidence chain holds this row
    evidence_related = ("version__snapshot", "version__snapshot_sha256")  # what was accepted: chained too

    class Meta:
        verbose_name = _("contract acceptance")
        verbose_name_plural = _("contract acceptances")

    def __str__(self) -> str:
        return f"{self.version} accepted by {self.typed_name}"

    def verify(self) -> bool:
        return self.version.verify()


# -- invoices: numbering, and the dated legal tables ---------------------------------------


class InvoiceCounter(models.Model):
    """The last invoice number handed out per freelancer and year: one gapless series.

    A number is taken inside the transaction that issues the invoice, with the counter row
    locked, so concurrent issues queue up and a rolled-back issue gives its number back.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice number series")
        verbose_name_plural = _("invoice number series")
        constraints = [models.UniqueConstraint("owner", "year", name="one_invoice_series_per_year")]

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class StatutoryInterestRate(models.Model):
    """The dated table of Dutch statutory interest; the operator adds each new rate."""

    class Kind(models.TextChoices):
        COMMERCIAL = "commercial", _("Commercial transactions (art. 6:119a BW)")
        CONSUMER = "consumer", _("Consumer transactions (art. 6:119 BW)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    valid_from = models.DateField(_("valid from"))
    percent = models.DecimalField(
        _("rate (% per year)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where this rate was published (e.g. the Staatscourant or the Rijksoverheid page)."),
    )

    class Meta:
        verbose_name = _("statutory interest rate")
        verbose_name_plural = _("statutory interest rates")
        ordering = ["kind", "-valid_from"]
        constraints = [models.UniqueConstraint("kind", "valid_from", name="one_interest_rate_per_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.percent}% from {self.valid_from}"

    @classmethod
    def on(cls, kind: str, day: date) -> StatutoryInterestRate | None:
        return cls.objects.filter(kind=kind, valid_from__lte=day).order_by("-valid_from").first()


# -- getting paid: time, invoices, payments ------------------------------------------------


VAT_CHOICES = [(Decimal("21"), "21%"), (Decimal("9"), "9%"), (Decimal("0"), "0%")]
ZERO = Decimal("0.00")


class KorThreshold(models.Model):
    """The dated table of the small-business scheme's (KOR) yearly turnover limit; the operator
    adds a new limit when the law changes it. A year uses the limit valid on its 1 January."""

    valid_from = models.DateField(_("valid from"), unique=True)
    amount = models.DecimalField(
        _("turnover limit (€ per calendar year)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where this limit was published (e.g. the Belastingdienst's page on the KOR)."),
    )

    class Meta:
        verbose_name = _("KOR turnover limit")
        verbose_name_plural = _("KOR turnover limits")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"€ {self.amount} ({self.valid_from:%Y-%m-%d})"


class Role(models.TextChoices):
    """The hat the freelancer wears (the method's three managers)."""

    CONTRACT_MANAGER = "contract_manager", _("Contract manager")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    DEVELOPER = "developer", _("Developer")


# Billable hours at a rate that are on no invoice yet (``contracts.time_entries.UNBILLED``).
UNBILLED_TIME = Q(billable=True, invoice_line__isnull=True, hourly_rate__isnull=False)


class TimeEntry(models.Model):
    """Hours worked, by role. The rate and any surcharge are fixed when the entry is saved."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_entries")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="time_entries")
    phase = models.ForeignKey(
        "projects.Phase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("phase"),
    )
    change_request = models.ForeignKey(
        "projects.ChangeRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("wish"),
    )
    date = models.DateField(_("date"))
    started_at = models.TimeField(_("from"), null=True, blank=True)
    ended_at = models.TimeField(_("until"), null=True, blank=True)
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("24"))],
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.DEVELOPER)
    billable = models.BooleanField(_("billable"), default=True)
    emergency = models.BooleanField(_("emergency"), default=False)
    absorbed = models.BooleanField(
        _("own misjudgement"), default=False, help_text=_("Hours on a wish you misjudged: yours to absorb.")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=8, decimal_places=2, null=True, blank=True)
    multiplier = models.DecimalField(_("surcharge"), max_digits=4, decimal_places=2, default=Decimal("1.00"))
    surcharge_reason = models.CharField(_("surcharge because"), max_length=100, blank=True)
    invoice_line = models.ForeignKey(
        "InvoiceLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["-date", "-started_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "date"], include=["role", "hours"], name="time_owner_date_hours"),
            # The few unbilled hours among ten years of billed ones ("ready to invoice").
            models.Index(fields=["owner", "project"], condition=UNBILLED_TIME, name="time_owner_unbilled"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24), name="time_hours_range"),
            models.CheckConstraint(condition=Q(absorbed=False) | Q(billable=False), name="time_absorbed_not_billable"),
            models.CheckConstraint(condition=Q(multiplier__gte=1), name="time_multiplier_at_least_one"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.hours} h {self.get_role_display()}"

    @property
    def amount(self) -> Decimal:
        """What these hours bill, surcharge included; zero when not billable or without a rate."""
        if not self.billable or self.hourly_rate is None:
            return Decimal("0.00")
        return round_money(self.hours * self.hourly_rate * self.multiplier)


class Invoice(models.Model):
    """An invoice or credit note. Sent means frozen: numbers, parties and amounts never change.

    Its state changes are methods, each the same pattern as ``Phase``: guard the current state,
    claim the move with a conditional UPDATE (``guarded_move``) inside a transaction, and write
    an ``InvoiceEvent`` in that transaction: ``issue`` (draft → sent), ``record_payment``,
    ``delete_payment``, ``credit`` (a credit note was sent) and ``settle`` (the status that
    follows from payments and credit notes). ``contracts.invoices`` and ``contracts.payments``
    are the workflows around them: checks, numbering, the PDF and the mail.
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Purpose(models.TextChoices):
        WORK = "work", _("Work")
        DEPOSIT = "deposit", _("Deposit")
        CLAIM = "claim", _("Interest and collection costs")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        CREDITED = "credited", _("Credited")

    OPEN_STATUSES = (Status.SENT, Status.PARTLY_PAID)
    # What may still change on a sent invoice: its payment state.
    MUTABLE_AFTER_SENDING = frozenset({"status", "paid_on"})
    # What a money move reads again once it holds the row's lock.
    LOCKED_FIELDS = ("status", "paid_on", "kind", "total", "issue_date", "number")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invoices")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("client"))
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices", verbose_name=_("project")
    )
    phase = models.ForeignKey(
        "projects.Phase", on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.INVOICE)
    credits = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credits invoice"),
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose, default=Purpose.WORK)
    claim_for = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("claims costs of invoice"),
    )
    # A recurring agreement's invoice: which agreement, and which of its periods (1 is the first).
    recurring = models.ForeignKey(
        "contracts.RecurringAgreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("recurring agreement"),
    )
    recurring_period = models.PositiveIntegerField(_("period of the agreement"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=20, blank=True)
    # The id in the invoice's public "is this genuine?" URL: random, set when it is sent.
    public_id = models.CharField(_("public id"), max_length=32, unique=True, null=True, blank=True, editable=False)
    payment_reference = models.CharField(
        _("payment reference"),
        max_length=35,
        blank=True,
        help_text=_("The structured reference (ISO 11649, RF…) the client pays with; set when the invoice is sent."),
    )
    payment_link = models.URLField(
        _("payment link"),
        max_length=500,
        blank=True,
        help_text=_("Optional: a link to pay this invoice, made with your own payment provider."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    issue_date = models.DateField(_("invoice date"), null=True, blank=True)
    delivery_date = models.DateField(
        _("delivery date"), null=True, blank=True, help_text=_("When the work was delivered or completed.")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    payment_term_days = models.PositiveSmallIntegerField(
        _("payment term (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="nl")
    reverse_charge = models.BooleanField(
        _("VAT reverse-charged"), default=False, help_text=_("“btw verlegd”: the client accounts for the VAT.")
    )
    small_business_scheme = models.BooleanField(_("small-business scheme (KOR)"), default=False)
    seller = models.JSONField(_("from"), default=dict, blank=True)
    buyer = models.JSONField(_("to"), default=dict, blank=True)
    total_excl = models.DecimalField(_("total excl. VAT"), max_digits=12, decimal_places=2, default=Decimal("0"))
    total_vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0"))
    note = models.TextField(_("note on the invoice"), blank=True, max_length=2000)
    pdf = models.BinaryField(_("PDF as sent"), null=True, blank=True, editable=False)
    email = models.ForeignKey(
        "outbox.OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-number", "-pk"]
        indexes = [
            models.Index(fields=["owner", "status", "due_date"], name="invoice_owner_status_due"),
            models.Index(fields=["owner", "issue_date"], name="invoice_owner_issue_date"),
            models.Index(fields=["owner", "paid_on"], name="invoice_owner_paid_on"),
            models.Index(fields=["status", "due_date", "id"], name="invoice_status_due_id"),
        ]
        constraints = [
            models.UniqueConstraint("owner", "number", condition=~Q(number=""), name="invoice_number_unique"),
            models.UniqueConstraint(
                "phase", condition=Q(kind="invoice", phase__isnull=False), name="one_invoice_per_phase"
            ),
            models.CheckConstraint(condition=Q(status="draft") | ~Q(number=""), name="sent_invoice_has_a_number"),
            models.CheckConstraint(
                condition=Q(kind="invoice") | Q(credits__isnull=False), name="credit_note_names_its_invoice"
            ),
            models.CheckConstraint(
                condition=Q(purpose="claim") | Q(claim_for__isnull=True), name="only_a_claim_names_a_claimed_invoice"
            ),
            models.UniqueConstraint(
                "recurring", "recurring_period", condition=Q(recurring__isnull=False), name="one_invoice_per_period"
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice"))

    def save(self, *args, **kwargs) -> None:
        if self.pk and not kwargs.get("force_insert"):
            stored = Invoice.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            update_fields = kwargs.get("update_fields")
            if (
                stored is not None
                and stored != self.Status.DRAFT
                and (update_fields is None or not set(update_fields) <= self.MUTABLE_AFTER_SENDING)
            ):
                raise RuleViolation(_("A sent invoice cannot be changed. Correct it with a credit note."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != self.Status.DRAFT:
            raise RuleViolation(_("A sent invoice cannot be deleted. Correct it with a credit note."))
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.kind == self.Kind.INVOICE
            and self.status in self.OPEN_STATUSES
            and self.due_date is not None
            and self.due_date < today
        )

    def days_overdue(self, today: date | None = None) -> int:
        today = today or timezone.localdate()
        return max((today - self.due_date).days, 0) if self.is_overdue(today) else 0

    @classmethod
    def overdue(cls, today: date | None = None):
        """Q for invoices past their due date and not (fully) paid."""
        today = today or timezone.localdate()
        return Q(kind=cls.Kind.INVOICE, status__in=cls.OPEN_STATUSES, due_date__lt=today)

    # Amounts: the same rule as ``payments.with_amounts`` in SQL -----------------------------

    def paid_amount(self) -> Decimal:
        return round_money(self.payments.aggregate(total=Sum("amount"))["total"] or ZERO)

    def credited_amount(self) -> Decimal:
        total = self.credit_notes.exclude(status=self.Status.DRAFT).aggregate(total=Sum("total"))["total"]
        return -round_money(total or ZERO)

    def outstanding(self) -> Decimal:
        """Total minus payments minus sent credit notes; zero for a draft and a credit note."""
        if self.is_draft or self.is_credit_note:
            return ZERO
        return self.total - self.paid_amount() - self.credited_amount()

    # History and state changes --------------------------------------------------------------

    def log(self, kind: str, actor=None, *, amount: Decimal | None = None, **data) -> InvoiceEvent:
        return InvoiceEvent.objects.create(invoice=self, kind=kind, actor=actor, amount=amount, data=data)

    def _lock(self) -> None:
        """Lock the row for the rest of the transaction and reload what a money move depends on."""
        row = Invoice.objects.select_for_update().filter(pk=self.pk).values(*self.LOCKED_FIELDS).get()
        for name, value in row.items():
            setattr(self, name, value)

    def issue(
        self,
        actor,
        *,
        number: str,
        issue_date: date,
        delivery_date: date,
        due_date: date,
        seller: dict,
        buyer: dict,
        total_excl: Decimal,
        total_vat: Decimal,
        total: Decimal,
        payment_reference: str = "",
    ) -> None:
        """Draft → sent, with the frozen number, dates, parties and totals in the same UPDATE.

        ``invoices.issue`` checks the draft and computes what is frozen; this claims the move,
        so a double submit or a race sends once and the loser changes nothing. A sent credit
        note credits its invoice in the same transaction.

        The invoice date never goes before that of an earlier number in the same series (one
        series per owner and year, ``dutch_law.next_invoice_number``). The check holds the
        series' counter row locked, as taking the number does, so no other number of the
        series can be issued between the check and the commit; a refusal rolls the whole
        transaction back, the number with it.
        """
        with transaction.atomic():
            series = number.partition("-")[0]
            if series.isdigit():
                InvoiceCounter.objects.select_for_update().filter(owner_id=self.owner_id, year=int(series)).first()
            later = (
                Invoice.objects.filter(
                    owner_id=self.owner_id, number__startswith=f"{series}-", issue_date__gt=issue_date
                )
                .exclude(pk=self.pk)
                .exclude(status=self.Status.DRAFT)
                .order_by("-issue_date", "-number")
                .values_list("number", "issue_date")
                .first()
            )
            if later is not None:
                raise RuleViolation(
                    _(
                        "The invoice date cannot be %(date)s: invoice %(number)s of the same series is already "
                        "dated %(later)s, and invoice dates follow the numbers."
                    )
                    % {
                        "date": issue_date.strftime("%d-%m-%Y"),
                        "number": later[0],
                        "later": later[1].strftime("%d-%m-%Y"),
                    }
                )
            guarded_move(
                self,
                [self.Status.DRAFT],
                self.Status.SENT,
                refused=lambda invoice: _("Invoice %(number)s was already sent.") % {"number": invoice.number},
                log=lambda _old: self.log(
                    InvoiceEvent.Kind.ISSUED,
                    actor,
                    amount=total,
                    number=number,
                    issue_date=issue_date.isoformat(),
                    due_date=due_date.isoformat(),
                ),
                number=number,
                issue_date=issue_date,
                delivery_date=delivery_date,
                due_date=due_date,
                seller=seller,
                buyer=buyer,
                total_excl=total_excl,
                total_vat=total_vat,
                total=total,
                payment_reference=payment_reference,
                public_id=secrets.token_urlsafe(16),  # 128 bits: the "is this genuine?" page's id
                sent_at=timezone.now(),
            )
            if self.is_credit_note:
                self.credits.credit(self, actor)

    def credit(self, note: Invoice, actor) -> None:
        """A credit note for this invoice was sent: record it, and the status follows."""
        if not (note.is_credit_note and note.credits_id == self.pk and not note.is_draft):
            raise ValueError("credit() takes a sent credit note of this invoice")
        with transaction.atomic():
            self._lock()
            if self.is_draft or self.is_credit_note:
                raise RuleViolation(_("Only a sent invoice can be credited."))
            change = self._settle()
            self.log(InvoiceEvent.Kind.CREDITED, actor, amount=-note.total, credit_note=note.number, **change)

    def record_payment(
        self, *, amount: Decimal, paid_on: date, actor, reference: str = "", today: date | None = None
    ) -> Payment:
        """Money received: the payment, its event and the status that follows, in one transaction.

        The row is locked first, so two payments at once are checked one after the other
        against what is still open.
        """
        today = today or timezone.localdate()
        if amount is None or amount <= 0:
            raise RuleViolation(_("A payment is an amount of more than zero."))
        if paid_on > today:
            raise RuleViolation(_("A payment cannot be received in the future."))
        with transaction.atomic():
            self._lock()
            if self.is_draft or self.is_credit_note:
                raise RuleViolation(_("Payments are recorded on sent invoices."))
            if paid_on < self.issue_date:
                raise RuleViolation(_("A payment cannot be received before the invoice date."))
            still_open = self.outstanding()
            if amount > still_open:
                raise RuleViolation(
                    _("That is more than is still open (%(open)s).") % {"open": format_money(still_open)}
                )
            payment = Payment.objects.create(
                invoice=self, amount=round_money(amount), paid_on=paid_on, reference=reference, recorded_by=actor
            )
            change = self._settle()
            self.log(
                InvoiceEvent.Kind.PAYMENT_RECORDED,
                actor,
                amount=payment.amount,
                payment=payment.pk,
                paid_on=paid_on.isoformat(),
                reference=reference,
                **change,
            )
        return payment

    def delete_payment(self, payment: Payment, actor=None) -> None:
        """Undo a payment recorded by mistake. The row goes; the event keeps who deleted how much,
        received when and with which reference, and the status follows."""
        with transaction.atomic():
            self._lock()
            stored = (
                Payment.objects.filter(pk=payment.pk, invoice=self).values("amount", "paid_on", "reference").first()
            )
            if stored is None:
                raise RuleViolation(_("This payment was already deleted."))
            Payment.objects.filter(pk=payment.pk).delete()
            change = self._settle()
            self.log(
                InvoiceEvent.Kind.PAYMENT_DELETED,
                actor,
                amount=stored["amount"],
                payment=payment.pk,
                paid_on=stored["paid_on"].isoformat(),
                reference=stored["reference"],
                **change,
            )

    def settle(self, actor=None) -> None:
        """Derive the status from the payments and credit notes; an event only when it changes."""
        with transaction.atomic():
            self._lock()
            change = self._settle()
            if change:
                self.log(InvoiceEvent.Kind.STATUS_CHANGED, actor, **change)

    def _settle(self) -> dict:
        """Sent, partly paid, paid or credited, claimed with a conditional UPDATE from the locked
        status; returns the change (``old_status``, ``new_status``) for the caller's event."""
        if self.is_draft or self.is_credit_note:
            return {}
        paid, credited = self.paid_amount(), self.credited_amount()
        if self.total - paid - credited > 0:
            status = self.Status.PARTLY_PAID if paid > 0 else self.Status.SENT
            paid_on = None
        elif paid == 0:
            status, paid_on = self.Status.CREDITED, None
        else:
            status = self.Status.PAID
            paid_on = self.payments.order_by("-paid_on").values_list("paid_on", flat=True).first()
        if (status, paid_on) == (self.status, self.paid_on):
            return {}
        old = guarded_move(
            self,
            [self.status],
            status,
            refused=lambda _invoice: _("This invoice changed meanwhile. Try again."),
            paid_on=paid_on,
        )
        return {"old_status": old, "new_status": status} if old != status else {}


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("-99999"))]
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("e.g. hours, phase"))
    unit_price = models.DecimalField(
        _("price per unit (excl. VAT)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-9999999")), MaxValueValidator(Decimal("9999999"))],
    )
    vat_percent = models.DecimalField(
        _("VAT %"), max_digits=4, decimal_places=1, default=Decimal("21"), choices=VAT_CHOICES
    )
    change_request = models.ForeignKey(
        "projects.ChangeRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="invoice_lines"
    )
    deducts_deposit = models.OneToOneField(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deducted_by",
        verbose_name=_("deducts deposit invoice"),
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(vat_percent__in=[21, 9, 0]), name="invoice_line_vat_rate"),
        ]

    def __str__(self) -> str:
        return self.description

    def save(self, *args, **kwargs) -> None:
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    def _refuse_unless_draft(self) -> None:
        if Invoice.objects.filter(pk=self.invoice_id).exclude(status=Invoice.Status.DRAFT).exists():
            raise RuleViolation(_("A sent invoice cannot be changed. Correct it with a credit note."))

    @property
    def amount(self) -> Decimal:
        return round_money(self.quantity * self.unit_price)


class Payment(models.Model):
    """Money received on an invoice. The invoice is paid once payments cover it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    paid_on = models.DateField(_("received on"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["invoice", "paid_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.amount} on {self.paid_on}"


class InvoiceEvent(AppendOnly):
    """Append-only history of an invoice: sent, payments recorded and deleted, credited, status.

    A deleted payment leaves its event here: who deleted it, when, the amount, the day it
    was received and its reference. Only a draft can be deleted, and a draft has no events.
    """

    immutable_message = _("Invoice history cannot be changed.")
    undeletable_message = _("Invoice history cannot be deleted.")

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Sent")
        PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
        PAYMENT_DELETED = "payment_deleted", _("Payment deleted")
        CREDITED = "credited", _("Credit note sent")
        STATUS_CHANGED = "status_changed", _("Status changed")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events", verbose_name=_("invoice"))
    kind = models.CharField(_("what"), max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("invoice event")
        verbose_name_plural = _("invoice events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class GateOverride(AppendOnly):
    """The freelancer chose to work for a client with an overdue invoice: who, what and why."""

    Action = Action  # what the gate guards: projects.gate.Action

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="gate_overrides")
    action = models.CharField(_("what"), max_length=20, choices=Action)
    subject = models.CharField(_("about"), max_length=300, blank=True)
    reason = models.TextField(_("reason"))
    invoices = models.JSONField(_("overdue invoices at the time"), default=list)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("override of the payment gate")
        verbose_name_plural = _("overrides of the payment gate")
        ordering = ["-at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="gate_override_has_a_reason")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.reason[:50]}"


# -- recurring work: retainers and maintenance agreements (contracts.recurring) -------------


class RecurringAgreement(models.Model):
    """A retainer or maintenance agreement with a client: the same lines invoiced every period.

    Each period's invoice is drafted once by the sweep in ``contracts.recurring``, which claims
    the period through the reminders' unique (kind, agreement, period number) row; the
    freelancer reviews and sends the draft. Its state moves (pause, resume, end) follow the
    ``Phase`` pattern: a guard, a conditional UPDATE (``guarded_move``) and an event row.
    """

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("Every month")
        QUARTERLY = "quarterly", _("Every quarter")
        YEARLY = "yearly", _("Every year")

    MONTHS = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.YEARLY: 12}

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    TRANSITIONS = {
        Status.ACTIVE: {Status.PAUSED, Status.ENDED},
        Status.PAUSED: {Status.ACTIVE, Status.ENDED},
        Status.ENDED: set(),
    }
    # A drafting day that every period has: February's 28 days.
    LAST_DRAFT_DAY = 28

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recurring_agreements")
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="recurring_agreements", verbose_name=_("client")
    )
    description = models.CharField(
        _("description"), max_length=200, help_text=_("For example: hosting and support for the webshop.")
    )
    period = models.CharField(_("invoice"), max_length=10, choices=Period, default=Period.MONTHLY)
    start_date = models.DateField(_("first day"), help_text=_("The first day of the first period."))
    end_date = models.DateField(
        _("last day"), null=True, blank=True, help_text=_("Optional. No period that starts after it is invoiced.")
    )
    draft_day = models.PositiveSmallIntegerField(
        _("day of the period to draft the invoice"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(LAST_DRAFT_DAY)],
        help_text=_("1 is the period's first day (invoice in advance); at most 28, a day every period has."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    # Periods whose drafting day comes before this day are not drafted: the start date at
    # first, the day of resuming after a pause (the paused periods stay unbilled).
    drafts_from = models.DateField(_("drafts periods from"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("recurring agreement")
        verbose_name_plural = _("recurring agreements")
        ordering = ["client__name", "description", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="recurring_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(draft_day__gte=1, draft_day__lte=28), name="recurring_draft_day_in_every_period"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day cannot come before the first day.")})
        if self.client_id and self.owner_id and self.client.owner_id != self.owner_id:
            raise ValidationError({"client": _("Choose one of your own clients.")})

    @property
    def months(self) -> int:
        return self.MONTHS[self.Period(self.period)]

    def log(self, kind: str, actor=None, **data) -> RecurringEvent:
        return RecurringEvent.objects.create(agreement=self, kind=kind, actor=actor, data=data)

    def allowed_transitions(self) -> set[str]:
        return self.TRANSITIONS[self.Status(self.status)]

    def _move(self, sources: list[str], to: str, actor, event: str, **fields) -> None:
        guarded_move(
            self,
            sources,
            to,
            refused=lambda agreement: (
                _("This agreement is %(status)s: it cannot be %(action)s.")
                % {"status": agreement.get_status_display().lower(), "action": RecurringEvent.Kind(event).label.lower()}
            ),
            log=lambda old: self.log(event, actor, old=old, new=to),
            **fields,
        )

    def pause(self, actor) -> None:
        """No invoices while paused; the periods of the pause stay unbilled."""
        self._move([self.Status.ACTIVE], self.Status.PAUSED, actor, RecurringEvent.Kind.PAUSED)

    def resume(self, actor, *, today: date | None = None) -> None:
        """Invoices again, from the periods whose drafting day is today or later."""
        today = today or timezone.localdate()
        self._move([self.Status.PAUSED], self.Status.ACTIVE, actor, RecurringEvent.Kind.RESUMED, drafts_from=today)

    def end(self, actor) -> None:
        """No more invoices, for good; the drafted and sent ones stay."""
        self._move([self.Status.ACTIVE, self.Status.PAUSED], self.Status.ENDED, actor, RecurringEvent.Kind.ENDED)


class RecurringLine(models.Model):
    """One line of every period's invoice, copied into an ``InvoiceLine`` with the period."""

    agreement = models.ForeignKey(RecurringAgreement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99999"))],
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("e.g. month, hours"))
    unit_price = models.DecimalField(
        _("price per unit (excl. VAT)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(Decimal("9999999"))],
    )
    vat_percent = models.DecimalField(
        _("VAT %"), max_digits=4, decimal_places=1, default=Decimal("21"), choices=VAT_CHOICES
    )

    class Meta:
        verbose_name = _("recurring line")
        verbose_name_plural = _("recurring lines")
        ordering = ["agreement", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(vat_percent__in=[21, 9, 0]), name="recurring_line_vat_rate"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="recurring_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="recurring_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return round_money(self.quantity * self.unit_price)


class RecurringEvent(AppendOnly):
    """Append-only history of a recurring agreement: made, paused, resumed, ended, each period drafted."""

    immutable_message = _("The history of an agreement cannot be changed.")
    undeletable_message = _("The history of an agreement cannot be deleted.")

    class Kind(models.TextChoices):
        CREATED = "created", _("Made")
        CHANGED = "changed", _("Changed")
        PAUSED = "paused", _("Paused")
        RESUMED = "resumed", _("Resumed")
        ENDED = "ended", _("Ended")
        DRAFTED = "drafted", _("Invoice drafted")

    agreement = models.ForeignKey(
        RecurringAgreement, on_delete=models.CASCADE, related_name="events", verbose_name=_("agreement")
    )
    kind = models.CharField(_("what"), max_length=10, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("recurring agreement event")
        verbose_name_plural = _("recurring agreement events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
