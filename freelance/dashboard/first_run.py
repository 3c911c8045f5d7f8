"""The new freelancer's first run: a short checklist on the dashboard.

Five steps, in the order the work needs them, each done in the app (never the admin) and
ticked off by the data itself, not by a stored flag: the business details an invoice needs,
an own hourly rate and the floor rate, the surcharges, a first client with its decision
maker, and a first project. `checklist(user)` answers in one query (EXISTS subqueries on the
user's row), and returns None once every step is done: the list then simply goes away.

There is no "dismiss": every step is something the app needs before a contract or an
invoice can go out, and the list disappears by itself once they are done. (A dismissal would
need a stored flag per freelancer, which no model offers yet.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from contracts.models import BusinessProfile, HourlyRate, SurchargeRule
from projects.models import Client, Contact, Project

# What an invoice needs of the freelancer (contracts.invoices.missing_details), plus the IBAN
# it asks to be paid on. A VAT id, unless the freelancer is under the KOR.
BUSINESS_COMPLETE = (
    ~Q(business_name="")
    & ~Q(street_address="")
    & ~Q(postcode="")
    & ~Q(city="")
    & ~Q(kvk_number="")
    & ~Q(iban="")
    & (~Q(vat_id="") | Q(small_business_scheme=True))
)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    why: str
    url: str
    done: bool


@dataclass(frozen=True)
class FirstRun:
    steps: list[Step]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def progress(self) -> str:
        return _("%(done)s of %(total)s done") % {"done": self.done_count, "total": self.total}

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)


def facts(user) -> dict:
    """What is done, in one query on the user's row."""
    owner = OuterRef("pk")
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            has_business=Exists(BusinessProfile.objects.filter(BUSINESS_COMPLETE, owner=owner)),
            has_floor=Exists(BusinessProfile.objects.filter(owner=owner, floor_rate__isnull=False)),
            has_rate=Exists(HourlyRate.objects.filter(owner=owner, client__isnull=True)),
            has_surcharges=Exists(SurchargeRule.objects.filter(owner=owner)),
            has_decision_maker=Exists(Contact.objects.filter(client__owner=owner, is_decision_maker=True)),
            first_client=Subquery(Client.objects.filter(owner=owner).order_by("pk").values("pk")[:1]),
            has_project=Exists(Project.objects.filter(owner=owner)),
        )
        .values(
            "has_business",
            "has_floor",
            "has_rate",
            "has_surcharges",
            "has_decision_maker",
            "first_client",
            "has_project",
        )
        .first()
        or {}
    )


def steps_for(user) -> list[Step]:
    done = facts(user)
    client_pk = done.get("first_client")
    # A client without a decision maker yet: add the contact on that client's page.
    client_url = (
        reverse("projects:client_detail", args=[client_pk]) + "#contacts"
        if client_pk and not done.get("has_decision_maker")
        else reverse("projects:client_create")
    )
    return [
        Step(
            "business",
            _("Your business details"),
            _("Name, address, KvK number, VAT id (or the KOR) and IBAN: the law wants them on every invoice."),
            reverse("contracts:business_settings"),
            bool(done.get("has_business")),
        ),
        Step(
            "rates",
            _("Your hourly rate and floor rate"),
            _("Your rate with the reason your clients see, and the lowest rate you accept."),
            reverse("contracts:rates"),
            bool(done.get("has_rate") and done.get("has_floor")),
        ),
        Step(
            "surcharges",
            _("Your surcharges"),
            _("Agreed up front: the emergency call on Christmas Eve costs double."),
            reverse("contracts:surcharges"),
            bool(done.get("has_surcharges")),
        ),
        Step(
            "client",
            _("Your first client, with the decision maker"),
            _("Talk to the person who decides and makes the budget."),
            client_url,
            bool(done.get("has_decision_maker")),
        ),
        Step(
            "project",
            _("Your first project"),
            _("A fixed first deadline; every later phase follows the client's acceptance."),
            reverse("projects:project_new"),
            bool(done.get("has_project")),
        ),
    ]


def checklist(user) -> FirstRun | None:
    """The first-run checklist, or None when every step is done (or for an anonymous user)."""
    if not getattr(user, "is_authenticated", False):
        return None
    steps = steps_for(user)
    if all(step.done for step in steps):
        return None
    return FirstRun(steps)
