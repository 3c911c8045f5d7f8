"""A contract as data, HTML and PDF: live project data fills the clauses' placeholders."""

from __future__ import annotations

from django.db.models import Q
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts import deposits, placeholders
from contracts.models import BusinessProfile, Contract, ContractVersion, HourlyRate, SurchargeRule
from contracts.placeholders import Table
from freelance.documents import registry as documents
from freelance.evidence.chain import entry_for
from freelance.lib.evidence import snapshot_hash
from freelance.lib.formats import number_in
from freelance.lib.money import format_money
from freelance.lib.pdf import PDF_A3B, render_pdf
from projects.rates import HISTORY, effective_rate


def _date(value) -> str:
    return date_filter(value, "j F Y") if value else ""


def values_and_tables(contract: Contract) -> tuple[dict[str, str], dict[str, Table]]:
    """Everything a clause may show, as strings and tables, in the contract's language."""
    project = contract.project
    client = project.client
    owner = project.owner
    business = BusinessProfile.objects.filter(owner=owner).first()
    decision_maker = next((c for c in client.contacts.all() if c.is_decision_maker), None)
    today = timezone.localdate()
    rate = effective_rate(project, today)  # the same rate as the bucket and the hours
    hourly = rate.amount
    values = {
        "client.name": client.name,
        "client.address": ", ".join(client.address_lines),
        "client.kvk_number": client.kvk_number,
        "client.vat_id": client.vat_id,
        "decision_maker.name": decision_maker.name if decision_maker else "",
        "decision_maker.email": decision_maker.email if decision_maker else "",
        "project.name": project.name,
        "project.goal": project.goal,
        "project.first_deadline": _date(project.first_deadline),
        "project.phase_count": str(len(project.ordered_phases())),
        "project.deposit": deposits.contract_wording(project, contract.language),
        "payment_term": str(client.payment_term_days),
        "hourly_rate": format_money(hourly) if hourly is not None else "",
        "swap_tolerance": str(project.swap_tolerance_percent),
        "freelancer.name": owner.get_full_name() or owner.get_username(),
        "freelancer.business_name": business.business_name if business else (owner.get_full_name() or ""),
        "freelancer.address": business.address if business else "",
        "freelancer.kvk_number": business.kvk_number if business else "",
        "freelancer.vat_id": business.vat_id if business else "",
        "freelancer.iban": business.iban if business else "",
        "freelancer.email": owner.email,
        "today": _date(today),
        # The payment clause's wording differs by client type (interest, the 14-day letter).
        **placeholders.condition_values(
            {
                "client.business": client.kind != client.Kind.CONSUMER,
                "client.consumer": client.kind == client.Kind.CONSUMER,
            }
        ),
    }
    schedule = project.schedule(today)
    tables = {
        "phases": Table(
            [_("Phase"), _("Deadline rule"), _("Date"), _("Price")],
            [
                [
                    f"{s.phase.position}. {s.phase.title}",
                    str(s.phase.deadline_rule),
                    f"{_date(s.date)} ({s.kind_label})" if s.date else "—",
                    format_money(s.phase.fixed_price)
                    if s.phase.fixed_price is not None
                    else str(s.phase.get_pricing_display()),
                ]
                for s in schedule
            ],
            _("No phases planned yet."),
        ),
        "risks": Table(
            [_("Risk"), _("Whose risk"), _("Likelihood / impact"), _("Mitigation plan")],
            [
                [
                    r.description,
                    # The client reads this table: "Me" would be the wrong voice for the freelancer's risks.
                    (values["freelancer.business_name"] or values["freelancer.name"])
                    if r.party == r.Party.FREELANCER
                    else f"{r.get_party_display()}{': ' + r.third_party if r.third_party else ''}",
                    f"{r.get_likelihood_display()} / {r.get_impact_display()}",
                    r.mitigation,
                ]
                for r in project.risks.all()
            ],
            _("No risks recorded."),
        ),
        "rates": Table(
            [_("Valid from"), _("Hourly rate (excl. VAT)"), _("Reason")],
            # The project's own rate replaces the history for this project; else the history, dated.
            (
                [
                    [_date(r.valid_from), format_money(r.amount), r.reason]
                    for r in HourlyRate.objects.filter(Q(client__isnull=True) | Q(client=client), owner=owner).order_by(
                        "valid_from"
                    )
                ]
                if rate.source == HISTORY
                else []
            )
            or ([[_date(today), format_money(hourly), ""]] if hourly is not None else []),
            _("No rates recorded."),
        ),
        "surcharges": Table(
            [_("Surcharge"), _("Applies to"), _("Multiplier")],
            [
                [s.name, s.get_applies_to_display(), f"×{number_in(s.multiplier, contract.language)}"]
                for s in SurchargeRule.objects.filter(owner=owner)
            ],
            _("No surcharges."),
        ),
    }
    return values, tables


def build_snapshot(contract: Contract) -> dict:
    """The whole contract as it would be sent: every clause's final text, in order."""
    with translation.override(contract.language):
        values, tables = values_and_tables(contract)
        clauses = [
            {
                "number": number,
                "category": clause.category,
                "title": clause.title,
                "text": placeholders.plain(clause.body, values, tables),
                "html": str(placeholders.render(clause.body, values, tables)),
            }
            for number, clause in enumerate(contract.clauses.order_by("position"), start=1)
        ]
        terms = contract.general_terms
        return {
            "contract": contract.pk,
            "language": contract.language,
            "project": contract.project.name,
            "client": contract.project.client.name,
            "freelancer": values["freelancer.business_name"] or values["freelancer.name"],
            "freelancer_details": {
                key.split(".", 1)[1]: values[key]
                for key in (
                    "freelancer.address",
                    "freelancer.kvk_number",
                    "freelancer.vat_id",
                    "freelancer.iban",
                    "freelancer.email",
                )
            },
            "clauses": clauses,
            "general_terms": (
                {
                    "title": terms.title,
                    "version": terms.version,
                    "text": placeholders.plain(terms.body, values, tables),
                    "html": str(placeholders.render(terms.body, values, tables)),
                }
                if terms
                else None
            ),
        }


def freeze(contract: Contract, *, actor) -> ContractVersion:
    """A new numbered version with the snapshot and its SHA-256; earlier versions stay as they were."""
    snapshot = build_snapshot(contract)
    last = contract.versions.order_by("-number").first()
    if last is not None and last.snapshot_sha256 == snapshot_hash(snapshot):
        return last  # nothing changed since the last version: send that one again
    return ContractVersion.objects.create(
        contract=contract,
        number=(last.number if last else 0) + 1,
        snapshot=snapshot,
        snapshot_sha256=snapshot_hash(snapshot),
        created_by=actor,
    )


_CURRENT = object()


def version_pdf(version: ContractVersion, *, pdf_variant: str | None = PDF_A3B, acceptance=_CURRENT) -> bytes:
    """Render a version; with its acceptance block if it is accepted (or ``acceptance`` is given)."""
    snapshot = version.snapshot
    if acceptance is _CURRENT:
        acceptance = getattr(version, "acceptance", None)
    with translation.override(snapshot["language"]):
        return render_pdf(
            "pdf/contract.html",
            {"snapshot": snapshot, "version": version, "acceptance": acceptance},
            pdf_variant=pdf_variant,
        )


def version_filename(version: ContractVersion) -> str:
    return f"contract-{version.contract.project_id}-v{version.number}.pdf"


VERSION = "contract_version"
SENT, ACCEPTED = "sent", "accepted"


def version_reference(version: ContractVersion, *, accepted: bool | None = None) -> str:
    """The version as sent, or (once accepted, or when asked) with the acceptance block."""
    if accepted is None:
        accepted = getattr(version, "acceptance", None) is not None
    return documents.reference(VERSION, version.pk, ACCEPTED if accepted else SENT)


@documents.register(VERSION)
def _version_source(object_id: str, variant: str) -> documents.Source | None:
    version = ContractVersion.objects.select_related("contract__project__owner", "acceptance").filter(pk=object_id)
    version = version.first()
    if version is None:
        return None
    acceptance = getattr(version, "acceptance", None) if variant == ACCEPTED else None
    if variant == ACCEPTED and acceptance is None:
        return None
    return documents.Source(
        owner=version.contract.project.owner,
        filename=version_filename(version),
        inputs={
            "version": version.pk,
            "sha256": version.snapshot_sha256,
            "acceptance": getattr(acceptance, "pk", None),
            "chain": getattr(entry_for(acceptance), "chain_hash", "") if acceptance is not None else "",
        },
        render=lambda: version_pdf(version, acceptance=acceptance),
    )


def preview_pdf(contract: Contract) -> bytes:
    with translation.override(contract.language):
        return render_pdf(
            "pdf/contract.html", {"snapshot": build_snapshot(contract), "version": None, "acceptance": None}
        )
