"""Demo data for a first run: a freelancer login and a realistic set of records.

Idempotent: running it again changes nothing, not even a password the demo user changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "mijlpaal-demo"  # noqa: S105 - printed on screen for the local demo


class DemoRefused(Exception):
    """The demo login has a published password: it exists only while DEBUG is on."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    created: bool


@transaction.atomic
def ensure_demo_data() -> DemoLogin:
    if not settings.DEBUG:
        raise DemoRefused("DEBUG is off: the demo login (a published password) is not created.")
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={
            "first_name": "Sanne",
            "last_name": "de Vries",
            "email": "sanne@example.nl",
            # A freelancer, not the operator: staff, so the admin opens for their own contract
            # templates (and the install's defaults, read-only), and nothing else.
            "is_staff": True,
            "is_superuser": False,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    elif user.is_superuser:  # made by an earlier version as a superuser: a freelancer now
        user.is_superuser = False
        user.save(update_fields=["is_superuser"])
    if not user.clients.exists():
        create_demo_projects(user)
    return DemoLogin(username=DEMO_USERNAME, password=DEMO_PASSWORD, created=created)


def create_demo_projects(user) -> None:
    """Clients and one realistic project in every state, dated relative to today."""
    from projects.models import Client, Contact, Project, Risk, ScopeItem

    today = timezone.localdate()
    now = timezone.now()

    def client(name, city, *, kind=Client.Kind.BUSINESS, **fields):
        return Client.objects.create(owner=user, name=name, city=city, kind=kind, **fields)

    def contact(for_client, name, email, *, spoken_days_ago=None, **roles):
        spoken = today - timedelta(days=spoken_days_ago) if spoken_days_ago is not None else None
        return Contact.objects.create(client=for_client, name=name, email=email, last_spoken_on=spoken, **roles)

    def project(for_client, name, goal, first_deadline, phases):
        p = Project.objects.create(owner=user, client=for_client, name=name, goal=goal)
        p.set_first_deadline(first_deadline, user)
        for title, weeks, price, items in phases:
            phase = p.add_phase(user, title=title, offset_amount=weeks, fixed_price=Decimal(price))
            for position, (item, hours) in enumerate(items, start=1):
                ScopeItem.objects.create(phase=phase, position=position, title=item, estimate_hours=Decimal(hours))
        return p

    def advance(p, accepted_days_ago: list[int], then: str = ""):
        """Accept the first phases on the given days; then start/deliver the next one."""
        p.mark_contracted(user)
        phases = list(p.phases.order_by("position"))
        for phase, days_ago in zip(phases, accepted_days_ago, strict=False):
            phase.start(user)
            phase.deliver(user, note="Opgeleverd op de testomgeving.")
            phase.accept(user, accepted_at=now - timedelta(days=days_ago), reason="Akkoord per e-mail.")
        following = phases[len(accepted_days_ago)] if len(accepted_days_ago) < len(phases) else None
        if following and then:
            following.start(user)
            if then in ("delivered", "changes"):
                following.deliver(user, note="Klaar voor uw controle.")
            if then == "changes":
                following.request_changes(user, comment="Graag het logo groter en de knoppen in huisstijl.")

    bakkerij = client(
        "Bakkerij De Korenschoof",
        "Utrecht",
        street_address="Oudegracht 112",
        postcode="3511 AZ",
        kvk_number="30123456",
        vat_id="NL001234567B29",
        customers_notes="Buurtbewoners en kantoren die lunch bestellen; willen vóór 10 uur kunnen bestellen.",
        earnings_notes="Online lunchbestellingen moeten 20% van de omzet worden.",
        click_score=5,
        professionalism=4,
    )
    contact(bakkerij, "Marieke Jansen", "marieke@korenschoof.example", spoken_days_ago=12, is_decision_maker=True)
    contact(bakkerij, "Tom de Wit", "tom@korenschoof.example", is_it_contact=True, is_day_to_day=True)

    stichting = client(
        "Stichting Groen Utrecht",
        "Utrecht",
        street_address="Neude 11",
        postcode="3512 AE",
        kvk_number="41234567",
        click_score=3,
        professionalism=3,
    )
    contact(stichting, "Ahmed El Amrani", "ahmed@groen.example", spoken_days_ago=70, is_decision_maker=True)
    contact(stichting, "Sophie Bakker", "sophie@groen.example", is_day_to_day=True, is_budget_holder=True)

    hotel = client(
        "Hotel Zeezicht",
        "Zandvoort",
        street_address="Boulevard Paulus Loot 5",
        postcode="2042 AD",
        vat_id="NL009876543B46",
        language="en",
        payment_term_days=14,
    )
    contact(hotel, "Linda Visser", "linda@zeezicht.example", spoken_days_ago=30, is_decision_maker=True)

    tennis = client("Tennisclub De Lobbers", "Amersfoort", kind=Client.Kind.CONSUMER, payment_term_days=14)
    contact(tennis, "Peter Smit", "peter@lobbers.example", is_decision_maker=True, is_budget_holder=True)

    fietsen = client("Fietsenmaker Van Dijk", "Houten", payment_term_days=30, click_score=4)
    contact(fietsen, "Kees van Dijk", "kees@vandijk.example", is_decision_maker=True, is_it_contact=True)

    plan = [
        ("Ontwerp en huisstijl", 2, "2400.00", [("Moodboard", "6"), ("Ontwerp homepage", "12")]),
        ("Bouw webshop", 3, "6800.00", [("Productcatalogus", "24"), ("Bestellen en betalen", "20")]),
        ("Lancering en training", 1, "1200.00", [("Overzetten naar productie", "4"), ("Training", "4")]),
    ]

    project(
        fietsen,
        "Nieuwe website met werkplaatsagenda",
        "Klanten plannen zelf een reparatie in.",
        today + timedelta(weeks=6),
        plan,
    )

    contracted = project(
        bakkerij,
        "Webshop voor lunchbestellingen",
        "Lunch online bestellen vóór 10 uur.",
        today + timedelta(weeks=4),
        plan,
    )
    contracted.mark_contracted(user)
    Risk.objects.create(
        project=contracted,
        description="De fotograaf van de klant levert de productfoto's niet op tijd.",
        party=Risk.Party.THIRD_PARTY,
        third_party="de fotograaf van de klant",
        likelihood=Risk.Level.MEDIUM,
        impact=Risk.Level.HIGH,
        mitigation="Na 5 werkdagen gebruiken we rechtenvrije stockfoto's, op kosten van de klant.",
    )
    Risk.objects.create(
        project=contracted,
        description="De betaalprovider keurt de aansluiting laat goed.",
        party=Risk.Party.CLIENT,
        likelihood=Risk.Level.LOW,
        impact=Risk.Level.MEDIUM,
        mitigation="Aanvraag in week 1 indienen; tot dan betalen bij afhalen.",
    )

    active = project(
        stichting, "Vrijwilligersportaal", "Vrijwilligers roosteren zichzelf in.", today - timedelta(weeks=3), plan
    )
    advance(active, [16], then="in_progress")

    waiting = project(
        tennis,
        "Ledenadministratie en baanreservering",
        "Leden reserveren banen online.",
        today - timedelta(days=2),
        plan,
    )
    advance(waiting, [], then="delivered")
    # A real acceptance link in the outbox: open it from "Sent mail" to play the client.
    from projects.acceptance import default_recipients, send_acceptance_requests

    delivered = waiting.phases.get(position=1)
    send_acceptance_requests(
        delivered,
        actor=user,
        contacts=default_recipients(delivered),
        note="Het ontwerp staat op de testomgeving. Graag uw akkoord of uw wijzigingen.",
        deliverables=["https://test.delobbers.example/ontwerp"],
    )

    bucket_demo(user, active)

    changes = project(
        hotel, "Meertalige boekingssite", "More direct bookings, fewer OTA fees.", today - timedelta(weeks=5), plan
    )
    advance(changes, [25], then="changes")

    completed = project(
        hotel,
        "Nieuwsbrief-templates",
        "Seasonal newsletters in three languages.",
        today - timedelta(weeks=14),
        plan[:2],
    )
    advance(completed, [95, 70])

    billing_demo(user, completed=completed, active=active)

    stopped = project(bakkerij, "Bestel-app", "Een eigen app naast de webshop.", today + timedelta(weeks=10), plan[:1])
    stopped.stop(user, reason="De klant kiest eerst voor de webshop; de app komt volgend jaar misschien terug.")


def bucket_demo(user, project) -> None:
    """Wishes in the bucket of the active project, one in each state."""
    from freelance.lib.evidence import Meta
    from projects import bucket
    from projects.models import ChangeRequest, ScopeItem

    CR = ChangeRequest
    project.hourly_rate = Decimal("85.00")
    project.save(update_fields=["hourly_rate"])
    contact = project.client.contacts.filter(is_decision_maker=True).first()
    today = timezone.localdate()

    def wish(title, days_ago, source, hours=None):
        w = bucket.add_wish(
            project,
            title=title,
            actor=user,
            source=source,
            received_on=today - timedelta(days=days_ago),
            contact=contact,
        )
        if hours is not None:
            bucket.assess(w, estimate_hours=Decimal(hours), actor=user)
        return w

    wish("Koppeling met de agenda van de gemeente", 1, CR.Source.CLIENT_PAGE)
    waiting = wish("Vrijwilligers kunnen zelf diensten ruilen", 4, CR.Source.MEETING, "12")
    bucket.classify(waiting, classification=CR.Classification.EXTRA_COST, actor=user)
    own = wish("Import van het oude ledenbestand duurde langer", 9, CR.Source.DELIVERY, "16")
    bucket.classify(own, classification=CR.Classification.OWN_MISJUDGEMENT, actor=user)
    fits = wish("Logo in de e-mails", 12, CR.Source.EMAIL, "1")
    bucket.classify(fits, classification=CR.Classification.FITS_SCOPE, actor=user)
    swap = wish("Nieuwsbrief-aanmelding op elke pagina", 6, CR.Source.CALL, "4")
    bucket.classify(swap, classification=CR.Classification.EXTRA_COST, actor=user)
    give_up = ScopeItem.objects.filter(phase__project=project, phase__position=3, title="Training").first()
    if give_up is not None:
        bucket.decide(
            swap,
            decision=CR.Decision.SWAP,
            item_ids=[give_up.pk],
            recorded_by=user,
            note="Telefonisch met Ahmed: de training vervalt, de aanmelding komt ervoor in de plaats.",
            meta=Meta(at=timezone.now(), ip="", user_agent=""),
        )


def billing_demo(user, *, completed, active) -> None:
    """A business profile, rates and surcharges, hours by role, and invoices in every state.

    Accepting phases above already drafted their invoices (invoice at delivery). Here the
    completed project's two invoices are sent on their acceptance days: one paid, one overdue,
    so the payment gate and the reminder stages have something to show.
    """
    from contracts import invoices, payments, time_entries
    from contracts.models import BusinessProfile, HourlyRate, Invoice, Role, SurchargeRule

    today = timezone.localdate()
    BusinessProfile.objects.update_or_create(
        owner=user,
        defaults={
            "business_name": "Sanne de Vries Webdesign",
            "street_address": "Lange Nieuwstraat 21",
            "postcode": "3512 PH",
            "city": "Utrecht",
            "kvk_number": "87654321",
            "vat_id": "NL002345678B51",
            "iban": "NL91ABNA0417164300",
            "floor_rate": Decimal("70.00"),
        },
    )
    HourlyRate.objects.get_or_create(
        owner=user, client=None, valid_from=today - timedelta(days=400), defaults={"amount": Decimal("85.00")}
    )
    SurchargeRule.objects.get_or_create(
        owner=user, name="Kerstavond", defaults={"applies_to": "named_day", "month": 12, "day": 24, "multiplier": 2}
    )
    SurchargeRule.objects.get_or_create(
        owner=user, name="Weekend", defaults={"applies_to": "weekend", "multiplier": Decimal("1.50")}
    )
    drafts = Invoice.objects.filter(project=completed, status=Invoice.Status.DRAFT).select_related("phase")
    for invoice in drafts.order_by("phase__position"):  # numbers follow the dates
        issued_on = timezone.localdate(invoice.phase.accepted_at)
        invoices.issue(invoice, actor=user, today=issued_on)
    first, second = Invoice.objects.filter(project=completed).order_by("issue_date")
    payments.record_payment(first, amount=first.total, paid_on=first.due_date, actor=user, reference="NL12 INGB")
    del second  # stays open, past its due date: no new work for Hotel Zeezicht until it is paid

    phase = active.phases.get(position=2)
    for days_ago, hours, role, note in [
        (6, "3.5", Role.DEVELOPER, "Roostermodule opgezet"),
        (5, "6", Role.DEVELOPER, "Inschrijven voor diensten"),
        (5, "1", Role.PROJECT_MANAGER, "Afstemming met Sophie"),
        (2, "2", Role.CONTRACT_MANAGER, "Piep over diensten ruilen"),
    ]:
        time_entries.record_time(
            active,
            actor=user,
            day=today - timedelta(days=days_ago),
            hours=Decimal(hours),
            role=role,
            phase=phase,
            note=note,
        )
    own = active.change_requests.filter(classification="own_misjudgement").first()
    if own is not None:
        time_entries.record_time(
            active,
            actor=user,
            day=today - timedelta(days=1),
            hours=Decimal("5"),
            change_request=own,
            note="Import oude ledenbestand",
        )
    books_demo(user)


def books_demo(user) -> None:
    """What the books need besides project invoices: a client abroad under reverse charge, a
    second VAT rate, and a credit note; each sent in date order (numbers follow the dates)."""
    from contracts import invoices, payments
    from contracts.models import Invoice, InvoiceLine
    from projects.models import Client, Contact

    today = timezone.localdate()

    def one_off(client, lines, *, reverse_charge=False):
        invoice = Invoice.objects.create(
            owner=user,
            client=client,
            payment_term_days=client.payment_term_days,
            language=client.language,
            reverse_charge=reverse_charge,
        )
        for position, (description, quantity, unit, price, vat) in enumerate(lines, start=1):
            InvoiceLine.objects.create(
                invoice=invoice,
                position=position,
                description=description,
                quantity=Decimal(quantity),
                unit=unit,
                unit_price=Decimal(price),
                vat_percent=Decimal(vat),
            )
        return invoice

    lumen = Client.objects.create(
        owner=user,
        name="Studio Lumen",
        street_address="Kammenstraat 18",
        postcode="2000",
        city="Antwerpen",
        country="België",
        vat_id="BE0477123402",
        click_score=4,
    )
    Contact.objects.create(
        client=lumen, name="Jasper Peeters", email="jasper@lumen.example", is_decision_maker=True, is_budget_holder=True
    )
    abroad = one_off(
        lumen,
        [
            ("Workshop toegankelijke webshops", "1", "workshop", "950.00", "21"),
            ("Advies bij de nieuwe huisstijl", "6", "uur", "85.00", "21"),
        ],
        reverse_charge=True,
    )
    invoices.issue(abroad, actor=user, today=today - timedelta(days=40))
    abroad.refresh_from_db()
    payments.record_payment(
        abroad, amount=abroad.total, paid_on=today - timedelta(days=12), actor=user, reference="Studio Lumen BV"
    )

    bakkerij = Client.objects.get(owner=user, name="Bakkerij De Korenschoof")
    printed = one_off(
        bakkerij,
        [
            ("Fotografie van de lunchgerechten", "1", "dag", "450.00", "21"),
            ("Menukaarten, drukwerk", "200", "stuks", "0.60", "9"),
        ],
    )
    printed = invoices.issue(printed, actor=user, today=today - timedelta(days=20))
    # The bakery had the photos made elsewhere after all: the whole invoice is credited.
    note = invoices.credit_note_for(printed, actor=user)
    invoices.issue(note, actor=user, today=today - timedelta(days=15))
