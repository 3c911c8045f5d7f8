"""A deterministic data generator for performance work (``manage.py generate_data``).

One long-time freelancer (``longtime``: ten years, 150 clients, 1,500 projects, 80,000 hours,
4,000 invoices), one small one (``small``, about 1/100 of that) and a hosted install of N
freelancers (``hosted0001``...) with a tenth each. Everything is built in memory as rows with
primary keys handed out here, then written per table in large chunks: COPY on PostgreSQL,
``executemany`` elsewhere. No model ``save()``, no signals, no mails, no PDFs.

Deterministic: every freelancer has their own ``random.Random`` seeded from ``--seed`` and the
username, and every date is relative to one anchor (today, 08:00 in the install's time zone),
so two runs with the same seed on the same day give the same rows (primary keys aside).

What the rows keep to: the models' constraints (one invoice per phase, numbers gapless per year
in date order, statuses that follow the phases and payments), the hash-chained evidence ledger
(``freelance.evidence.chain``: every acceptance and decision made here is chained, per
freelancer, in decision order, and ``verify_chain`` holds), and the append-only tables only get
INSERTs. ``--replace`` deletes the generated freelancers first; on PostgreSQL it switches the
append-only triggers off for that transaction only.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from contracts.models import (
    BusinessProfile,
    Contract,
    ContractAcceptance,
    ContractClause,
    ContractTemplate,
    ContractVersion,
    HourlyRate,
    Invoice,
    InvoiceCounter,
    InvoiceEvent,
    InvoiceLine,
    Payment,
    TimeEntry,
)
from contracts.paying import creditor_reference
from freelance.evidence.chain import GENESIS, covered_fields, link_hash, row_hash
from freelance.evidence.models import EvidenceEntry
from freelance.lib.evidence import snapshot_hash
from freelance.lib.money import round_money
from freelance.lib.tokens import token_hash
from freelance.lib.workdays import next_working_day
from freelance.links.models import ClientLink, LinkVisit
from freelance.preferences.models import UserPreferences
from freelance.reminders.models import Reminder
from projects.models import (
    Acceptance,
    AcceptanceRequest,
    ChangeDecision,
    ChangeRequest,
    Client,
    Contact,
    Phase,
    PhaseEvent,
    Project,
    Risk,
    ScopeItem,
)

PASSWORD = "mijlpaal-bench"  # noqa: S105 - a published benchmark login, like the demo's
LONGTIME, SMALL, HOSTED_PREFIX = "longtime", "small", "hosted"
CENT = Decimal("0.01")
VAT = Decimal("0.21")

# The long-time freelancer's numbers; the small one has 1/100, a hosted one 1/10 of them.
FULL = {
    "clients": 150,
    "projects": 1500,
    "active": 25,
    "phases_per_project": 5.0,
    "scope_per_phase": 20000 / 7500,
    "wishes_per_project": 5000 / 1500,
    "hours_per_project": 80000 / 1500,
    "invoice_share": 0.53,  # of accepted phases: about 4,000 invoices
}


# -- writing rows ---------------------------------------------------------------------------


class Table:
    """One model's rows: dicts of attnames, completed with the model's defaults on writing."""

    def __init__(self, model: type[models.Model], now: datetime, today: date) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.defaults = {}
        for f in self.fields:
            if f.has_default() and callable(f.default):
                value = {timezone.now: now, timezone.localdate: today}.get(f.default, f.default)
                self.defaults[f.attname] = value() if callable(value) else value
            elif f.has_default():
                self.defaults[f.attname] = f.default
            elif f.null:
                self.defaults[f.attname] = None
            elif f.empty_strings_allowed and not isinstance(f, models.DateTimeField | models.DateField):
                self.defaults[f.attname] = ""
        self.getter = itemgetter(*self.attnames)
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self.rows: list[tuple] = []
        self.written = 0
        self.next_id = 1

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, **values) -> dict:
        if "id" not in values and self.model._meta.pk.attname == "id":
            values["id"] = self.new_id()
        row = self.defaults | values
        try:
            self.rows.append(self.getter(row))
        except KeyError as missing:
            raise ValueError(f"{self.model._meta.label}: no value for {missing}") from None
        return row


class Writer:
    """Tables in insertion order; flushes every table when enough rows are waiting."""

    ORDER = [
        get_user_model(),
        UserPreferences,
        BusinessProfile,
        HourlyRate,
        InvoiceCounter,
        Client,
        Contact,
        Project,
        Phase,
        ChangeRequest,
        ScopeItem,
        Risk,
        PhaseEvent,
        ClientLink,
        AcceptanceRequest,
        Acceptance,
        ChangeDecision,
        Contract,
        ContractClause,
        TimeEntry,
        Invoice,
        InvoiceLine,
        Payment,
        InvoiceEvent,
        Reminder,
        EvidenceEntry,
    ]

    def __init__(self, now: datetime, today: date, flush_rows: int = 200_000) -> None:
        self.tables = {model: Table(model, now, today) for model in self.ORDER}
        self.flush_rows = flush_rows
        self.postgres = connection.vendor == "postgresql"
        self.seconds_writing = 0.0
        with connection.cursor() as cursor:
            for table in self.tables.values():
                if table.model._meta.pk.attname != "id":
                    continue
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table.model._meta.db_table}")  # noqa: S608
                table.next_id = cursor.fetchone()[0] + 1

    def __getitem__(self, model) -> Table:
        return self.tables[model]

    def maybe_flush(self) -> None:
        if sum(len(t.rows) for t in self.tables.values()) >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        start = time.perf_counter()
        for table in self.tables.values():
            if table.rows:
                (self._copy if self.postgres else self._insert)(table)
                table.written += len(table.rows)
                table.rows = []
        self.seconds_writing += time.perf_counter() - start

    def _copy(self, table: Table) -> None:
        from psycopg.types.json import Jsonb

        columns = ", ".join(f'"{c}"' for c in table.columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table.model._meta.db_table} ({columns}) FROM STDIN") as copy:
                json = table.json
                for row in table.rows:
                    if json:
                        row = list(row)
                        for i in json:
                            row[i] = Jsonb(row[i]) if row[i] is not None else None
                    copy.write_row(row)

    def _insert(self, table: Table) -> None:
        fields = table.fields
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table.model._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608
        prepared = [[f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)] for row in table.rows]
        with connection.cursor() as cursor:
            for start in range(0, len(prepared), 5000):
                cursor.executemany(sql, prepared[start : start + 5000])

    def finish(self) -> None:
        self.flush()
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            for table in self.tables.values():
                name = table.model._meta.db_table
                if table.written and table.model._meta.pk.attname == "id":
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                    )

    def counts(self) -> dict[str, int]:
        return {t.model._meta.db_table: t.written for t in self.tables.values() if t.written}


# -- words --------------------------------------------------------------------------------

TRADES = [
    "Bakkerij", "Studio", "Stichting", "Hotel", "Tandartspraktijk", "Fietsenmaker", "Advocatenkantoor", "Kapsalon",
    "Bouwbedrijf", "Tennisclub", "Architectenbureau", "Boekhandel", "Brouwerij", "Camping", "Fysiotherapie",
    "Installatiebedrijf", "Makelaardij", "Museum", "Notariskantoor", "Restaurant", "Schoonmaakbedrijf", "Theater",
    "Transportbedrijf", "Vereniging", "Wijnhandel", "Yogastudio", "Zorgboerderij", "Drukkerij", "Kinderopvang",
    "Garage",
]  # fmt: skip
NAMES = [
    "De Korenschoof", "Zeezicht", "Van Dijk", "Groen", "De Lobbers", "Het Anker", "De Linde", "Bakker & Zn",
    "De Vries", "Jansen", "Noorderlicht", "De Eik", "Zonnebloem", "Van Leeuwen", "Het Gildehuis", "De Molen",
    "Visser", "Smit", "De Haven", "Mulder", "Kortenaer", "Het Wapen", "De Brug", "De Regenboog", "Meijer",
]  # fmt: skip
CITIES = [
    ("Utrecht", "3511"), ("Amsterdam", "1012"), ("Rotterdam", "3011"), ("Den Haag", "2511"), ("Haarlem", "2011"),
    ("Zwolle", "8011"), ("Groningen", "9711"), ("Eindhoven", "5611"), ("Arnhem", "6811"), ("Leiden", "2311"),
    ("Amersfoort", "3811"), ("Zandvoort", "2042"), ("Houten", "3991"), ("Deventer", "7411"), ("Delft", "2611"),
]  # fmt: skip
STREETS = ["Oudegracht", "Neude", "Lange Nieuwstraat", "Kerkstraat", "Dorpsstraat", "Stationsweg", "Marktplein"]
FIRST = ["Marieke", "Tom", "Ahmed", "Sophie", "Linda", "Peter", "Kees", "Fatima", "Jeroen", "Anouk", "Daan", "Eva"]
LAST = ["Jansen", "de Wit", "El Amrani", "Bakker", "Visser", "Smit", "van Dijk", "Yilmaz", "de Boer", "Mulder"]
PROJECT_KINDS = [
    "Nieuwe website", "Webshop", "Klantportaal", "Huisstijl", "Reserveringssysteem", "Nieuwsbrief", "Intranet",
    "Koppeling boekhouding", "Mobiele app", "Ledenadministratie", "Onderhoud", "Zoekmachineoptimalisatie",
]  # fmt: skip
PHASE_TITLES = [
    "Ontwerp en huisstijl", "Bouw", "Inhoud en teksten", "Koppelingen", "Testen en lancering", "Training",
    "Nazorg", "Analyse", "Prototype", "Migratie",
]  # fmt: skip
SCOPE_TITLES = [
    "Moodboard", "Ontwerp homepage", "Productcatalogus", "Bestellen en betalen", "Overzetten naar productie",
    "Training", "Zoekfunctie", "Contactformulier", "Meertaligheid", "Toegankelijkheid", "Beheeromgeving",
    "Import oude gegevens", "Nieuwsbriefkoppeling", "Rapportages",
]  # fmt: skip
WISH_TITLES = [
    "Logo in de e-mails", "Extra taal: Duits", "Koppeling met de agenda", "Zelf diensten ruilen",
    "Nieuwsbrief-aanmelding op elke pagina", "Export naar Excel", "Donkere modus", "Extra betaalmethode",
    "Filter op datum", "Tweede beheerder",
]  # fmt: skip
TIME_NOTES = ["Bouwen", "Afstemming met de klant", "Testen", "Ontwerp", "Overleg", "Documentatie", ""]
ROLE_WEIGHTS = (["developer"] * 7) + (["project_manager"] * 2) + ["contract_manager"]
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def _count(rng: random.Random, mean: float) -> int:
    """A whole count with ``mean`` on average (stochastic rounding), so small scales still add up."""
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)


# -- one freelancer -------------------------------------------------------------------------


@dataclass
class Spec:
    username: str
    factor: float  # of the long-time freelancer's numbers
    detail: float = 1.0  # hours, scope items and history: a further factor (hosted installs)
    full_profile: bool = True


@dataclass
class Context:
    writer: Writer
    now: datetime
    today: date
    password: str
    content_types: dict
    template: ContractTemplate | None
    clauses: list = field(default_factory=list)
    general_terms_id: int | None = None


class Freelancer:
    """Builds every row of one freelancer into the writer."""

    def __init__(self, ctx: Context, spec: Spec, seed: int) -> None:
        self.ctx, self.spec = ctx, spec
        self.w = ctx.writer
        self.rng = random.Random(f"{seed}:{spec.username}")  # noqa: S311 - test data, not secrets
        self.today, self.now = ctx.today, ctx.now
        self.evidence: list[tuple] = []  # (decided_at, model, row) for the chain
        self.invoices: list[dict] = []
        self.reminders: list[dict] = []

    # helpers ---------------------------------------------------------------------------

    def at(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))

    def day_of(self, moment: datetime) -> date:
        return timezone.localdate(moment)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def token_hash(self) -> str:
        return token_hash(f"{self.spec.username}-{self.rng.getrandbits(128):032x}")

    def count(self, key: str, minimum: int = 1) -> int:
        return max(minimum, round(FULL[key] * self.spec.factor))

    # the whole freelancer ----------------------------------------------------------------

    def build(self) -> None:
        self.user()
        self.clients()
        for index in range(self.n_projects):
            self.project(index)
        self.finish_invoices()
        self.finish_reminders()
        self.chain()

    def user(self) -> None:
        rng, w = self.rng, self.w
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = self.spec.username
        self.user_row = w[get_user_model()].add(
            username=name,
            password=self.ctx.password,
            first_name=first,
            last_name=last,
            email=f"{name}@mijlpaal.example",
            is_active=True,
            is_staff=False,
            is_superuser=False,
            date_joined=self.now - timedelta(days=3660),
            last_login=None,
        )
        self.uid = self.user_row["id"]
        self.full_name = f"{first} {last}"
        w[UserPreferences].add(user_id=self.uid, language="nl")
        city, postcode = rng.choice(CITIES)
        w[BusinessProfile].add(
            owner_id=self.uid,
            business_name=f"{self.full_name} Webdesign",
            street_address=f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
            postcode=f"{postcode} AB",
            city=city,
            kvk_number=f"{rng.randint(10000000, 99999999)}",
            vat_id="NL002345678B51",
            iban="NL91ABNA0417164300",
            floor_rate=Decimal("70.00"),
        )
        self.rates = {}
        for years_ago in range(10, -1, -1):
            amount = _money(95 - 3 * years_ago)
            valid_from = date(self.today.year - years_ago, 1, 1)
            self.rates[valid_from.year] = amount
            w[HourlyRate].add(owner_id=self.uid, client_id=None, valid_from=valid_from, amount=amount, reason="")
        self.n_projects = self.count("projects", 3)
        self.n_active = min(self.n_projects - 1, self.count("active", 2))

    def clients(self) -> None:
        rng, w = self.rng, self.w
        self.client_rows = []
        names: set[str] = set()
        for index in range(self.count("clients", 2)):
            while True:
                name = f"{rng.choice(TRADES)} {rng.choice(NAMES)}"
                if name.lower() not in names:
                    break
                name = f"{name} {index}"
                if name.lower() not in names:
                    break
            names.add(name.lower())
            city, postcode = rng.choice(CITIES)
            consumer = rng.random() < 0.1
            created = self.now - timedelta(days=rng.randint(30, 3650))
            client = w[Client].add(
                owner_id=self.uid,
                name=name,
                kind="consumer" if consumer else "business",
                street_address=f"{rng.choice(STREETS)} {rng.randint(1, 300)}",
                postcode=f"{postcode} {rng.choice('ABCDEFGH')}{rng.choice('JKLMNPRS')}",
                city=city,
                kvk_number="" if consumer else f"{rng.randint(10000000, 99999999)}",
                payment_term_days=14 if consumer else rng.choice([14, 30, 30, 30]),
                click_score=rng.randint(2, 5),
                professionalism=rng.randint(2, 5),
                created_at=created,
                updated_at=created,
            )
            slug = f"c{client['id']}"
            people = []
            for role in ("decider", "day"):
                person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                people.append(
                    w[Contact].add(
                        client_id=client["id"],
                        name=person,
                        email=f"{person.split()[0].lower()}.{role}@{slug}.example",
                        phone=f"06{rng.randint(10000000, 99999999)}",
                        is_decision_maker=role == "decider",
                        is_budget_holder=role == "decider" or consumer,
                        is_day_to_day=role == "day",
                        is_it_contact=role == "day" and rng.random() < 0.5,
                        last_spoken_on=self.today - timedelta(days=rng.randint(3, 120)),
                    )
                )
            client["_contacts"] = people
            self.client_rows.append(client)

    # projects ------------------------------------------------------------------------------

    def project(self, index: int) -> None:
        rng, w = self.rng, self.w
        active = index >= self.n_projects - self.n_active
        if active:
            status = "active"
        else:
            status = rng.choices(["completed", "stopped", "proposal", "contracted"], [0.955, 0.025, 0.01, 0.01])[0]
        client = rng.choice(self.client_rows)
        n_phases = max(1, min(9, round(rng.gauss(FULL["phases_per_project"], 1.2))))
        start = self.today - timedelta(days=rng.randint(40, 3650))
        rate = self.rates.get(start.year) or self.rates[max(self.rates)]
        fixed = rng.random() < 0.85
        project = w[Project].add(
            owner_id=self.uid,
            client_id=client["id"],
            name=f"{rng.choice(PROJECT_KINDS)} {client['name'].split(' ', 1)[1]} {index + 1}",
            goal="Meer klanten online bedienen, met minder handwerk.",
            status=status,
            hourly_rate=rate,
            stopped_reason="De klant kiest voorlopig een andere richting." if status == "stopped" else "",
            created_at=self.at(start, 9),
        )
        plan = self.timeline(project, n_phases, start, status, waiting=index == self.n_projects - self.n_active)
        phases = []
        for position, step in enumerate(plan, start=1):
            price = _money(rng.randint(8, 60) * 100) if fixed else None
            phase = w[Phase].add(
                project_id=project["id"],
                position=position,
                title=PHASE_TITLES[(position - 1) % len(PHASE_TITLES)],
                description="Zoals afgesproken in de offerte.",
                pricing="fixed" if fixed else "time",
                fixed_price=price,
                offset_amount=step["weeks"],
                offset_unit="weeks",
                status=step["status"],
                due_date=step["due"] if position > 1 else None,
                started_at=step["started"],
                delivered_at=step["delivered"],
                accepted_at=step["accepted"],
            )
            phases.append(phase)
            self.scope(phase)
        project["_client_name"] = client["name"]  # for the acceptance snapshots (not a column)
        project["first_deadline"] = plan[0]["deadline"]
        w[Project].rows[-1] = w[Project].getter(project)  # the deadline is known once the plan is
        self.history(project, phases, client)
        self.wishes(project, phases, client)
        self.hours(project, phases, rate)
        self.billing(project, phases, client, rate)
        if active and rng.random() < 0.8:
            self.risk(project)
        if status in ("active", "contracted", "proposal") or (
            status == "completed" and plan[-1]["accepted"] and plan[-1]["accepted"] > self.now - timedelta(days=365)
        ):
            self.contract(project, status)
        self.w.maybe_flush()

    def timeline(self, project: dict, n: int, start: date, status: str, *, waiting: bool = False) -> list[dict]:
        """Dates and statuses of the phases, consistent with the project's status; ``waiting``: the
        current phase is delivered and waits for the client (the oldest active project has one)."""
        rng = self.rng
        if status in ("proposal", "contracted"):
            deadline = self.today + timedelta(days=rng.randint(20, 90))
            return [
                {
                    "status": "planned",
                    "weeks": rng.randint(1, 4),
                    "deadline": deadline,
                    "due": None,
                    "started": None,
                    "delivered": None,
                    "accepted": None,
                }
                for _ in range(n)
            ]
        if status == "completed":
            done = n
        elif status == "stopped":
            done = rng.randint(0, n - 1)
        else:
            done = rng.randint(0, n - 1)
        current = rng.choices(["in_progress", "delivered", "changes_requested"], [0.45, 0.4, 0.15])[0]
        if waiting:
            current = "delivered"
        steps, cursor = [], self.at(start, 9, rng.randint(0, 59))
        previous_accepted = None
        for position in range(1, n + 1):
            weeks = rng.randint(1, 4)
            step = {"weeks": weeks, "due": None, "started": None, "delivered": None, "accepted": None}
            if previous_accepted is not None:
                step["due"] = next_working_day(self.day_of(previous_accepted) + timedelta(weeks=weeks))
            if position <= done or (position == done + 1 and status == "active"):
                step["started"] = cursor
                delivered = cursor + timedelta(days=rng.randint(4, 20), hours=rng.randint(0, 6))
                if position == 1:
                    step["deadline"] = self.day_of(delivered) + timedelta(days=rng.randint(-2, 6))
                if position <= done:
                    accepted = delivered + timedelta(days=rng.randint(0, 9), hours=rng.randint(1, 5))
                    step.update(status="accepted", delivered=delivered, accepted=accepted)
                    previous_accepted = accepted
                    cursor = accepted + timedelta(days=rng.randint(0, 3))
                else:
                    step["status"] = current
                    if current != "in_progress":
                        step["delivered"] = delivered
                    cursor = step["delivered"] or cursor
            else:
                step["status"] = "planned"
                if position == 1:
                    step["deadline"] = self.today + timedelta(days=rng.randint(5, 60))
            steps.append(step)
        # Shift the whole plan so its last event lies in the past: days ago for open work.
        last = max((s[k] for s in steps for k in ("started", "delivered", "accepted") if s[k]), default=None)
        if last is not None:
            if status == "active":
                target = self.now - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5))
            else:
                target = min(last, self.now - timedelta(days=rng.randint(2, 30)))
            shift = target - last
            for s in steps:
                for key in ("started", "delivered", "accepted"):
                    if s[key]:
                        s[key] += shift
                if s["due"]:
                    s["due"] = next_working_day(s["due"] + timedelta(days=shift.days))
            if "deadline" in steps[0] and steps[0]["started"]:
                steps[0]["deadline"] += timedelta(days=shift.days)
            project["created_at"] = min(project["created_at"] + shift, steps[0]["started"] - timedelta(days=10))
        return steps

    def scope(self, phase: dict) -> None:
        rng, w = self.rng, self.w
        for position in range(1, _count(rng, FULL["scope_per_phase"] * self.spec.detail) + 1):
            w[ScopeItem].add(
                phase_id=phase["id"],
                position=position,
                title=rng.choice(SCOPE_TITLES),
                estimate_hours=_money(rng.randint(2, 40)),
            )

    def event(self, project: dict, kind: str, at: datetime, phase: dict | None = None, **data) -> None:
        self.w[PhaseEvent].add(
            project_id=project["id"],
            phase_id=phase["id"] if phase else None,
            kind=kind,
            actor_id=self.uid,
            at=at,
            data=data,
        )

    def history(self, project: dict, phases: list[dict], client: dict) -> None:
        """Phase and project events, and the client's acceptances with their links and evidence."""
        rng = self.rng
        detail = rng.random() < self.spec.detail
        decider = client["_contacts"][0]
        if detail and phases[0]["started_at"]:
            contracted_at = phases[0]["started_at"] - timedelta(days=2)
            self.event(project, "project_status", contracted_at, old="proposal", new="contracted")
            self.event(project, "project_status", phases[0]["started_at"], old="contracted", new="active")
        for phase in phases:
            if detail and phase["started_at"]:
                self.event(project, "transition", phase["started_at"], phase, old="planned", new="in_progress")
            if detail and phase["delivered_at"]:
                self.event(project, "transition", phase["delivered_at"], phase, old="in_progress", new="delivered")
            if phase["status"] == "changes_requested" and detail:
                self.event(
                    project, "transition", phase["delivered_at"] + timedelta(days=1), phase,
                    old="delivered", new="changes_requested",
                )  # fmt: skip
            if phase["status"] == "accepted":
                if detail:
                    self.event(project, "transition", phase["accepted_at"], phase, old="delivered", new="accepted")
                if detail and rng.random() < 0.6:
                    self.acceptance(project, phase, decider)
                elif detail:
                    delivered_on = self.day_of(phase["delivered_at"])
                    for stage, days in ((1, 3), (2, 7)):
                        if phase["accepted_at"] > self.at(delivered_on + timedelta(days=days), 9):
                            self.reminder("acceptance_nudge", phase["id"], stage, delivered_on + timedelta(days=days))
            elif phase["status"] == "delivered":
                self.waiting_acceptance(project, phase, decider)
        if project["status"] == "completed" and detail:
            self.event(project, "project_status", phases[-1]["accepted_at"], old="active", new="completed")

    def link(self, purpose: str, target_model, target_id: int, contact: dict, created: datetime, **fields) -> dict:
        return self.w[ClientLink].add(
            owner_id=self.uid,
            purpose=purpose,
            public_id=self.uuid(),
            token_hash=self.token_hash(),
            content_type_id=self.ctx.content_types[target_model],
            object_id=target_id,
            recipient_name=contact["name"],
            recipient_email=contact["email"],
            language="nl",
            single_use=True,
            created_at=created,
            expires_at=created + timedelta(days=settings.CLIENT_LINK_DAYS),
            **fields,
        )

    def acceptance_snapshot(self, request_id: int, project: dict, phase: dict, contact: dict, on: date) -> dict:
        return {
            "request": request_id,
            "freelancer": self.full_name,
            "client": project.get("_client_name", ""),
            "project": project["name"],
            "phase": {"position": phase["position"], "title": phase["title"], "description": phase["description"]},
            "scope": [],
            "delivery_note": "Opgeleverd op de testomgeving.",
            "deliverables": [],
            "recipient": {"name": contact["name"], "email": contact["email"]},
            "if_accepted_today": {"date": on.isoformat(), "next_phase": None},
        }

    def acceptance(self, project: dict, phase: dict, contact: dict) -> None:
        w = self.w
        link = self.link("phase_acceptance", Phase, phase["id"], contact, phase["delivered_at"])
        link["used_at"] = phase["accepted_at"]
        w[ClientLink].rows[-1] = w[ClientLink].getter(link)
        request = w[AcceptanceRequest].add(
            phase_id=phase["id"],
            link_id=link["id"],
            contact_id=contact["id"],
            delivery_note="Opgeleverd op de testomgeving.",
            deliverables=[],
            created_by_id=self.uid,
            created_at=phase["delivered_at"],
        )
        snapshot = self.acceptance_snapshot(request["id"], project, phase, contact, self.day_of(phase["accepted_at"]))
        row = w[Acceptance].add(
            request_id=request["id"],
            phase_id=phase["id"],
            decision="accepted",
            typed_name=contact["name"],
            comment="",
            contact_id=contact["id"],
            contact_name=contact["name"],
            contact_email=contact["email"],
            viewed_at=phase["accepted_at"] - timedelta(minutes=7),
            view_ip="192.0.2.10",
            view_user_agent=UA,
            decided_at=phase["accepted_at"],
            decision_ip="192.0.2.10",
            decision_user_agent=UA,
            snapshot=snapshot,
            snapshot_sha256=snapshot_hash(snapshot),
        )
        self.evidence.append((row["decided_at"], Acceptance, row))

    def waiting_acceptance(self, project: dict, phase: dict, contact: dict) -> None:
        """A delivered phase with a request and a link the client can still use."""
        link = self.link("phase_acceptance", Phase, phase["id"], contact, phase["delivered_at"])
        self.w[AcceptanceRequest].add(
            phase_id=phase["id"],
            link_id=link["id"],
            contact_id=contact["id"],
            delivery_note="Klaar voor uw controle.",
            deliverables=["https://test.example/opgeleverd"],
            created_by_id=self.uid,
            created_at=phase["delivered_at"],
        )
        delivered_on = self.day_of(phase["delivered_at"])
        if self.today - delivered_on > timedelta(days=3):
            self.reminder("acceptance_nudge", phase["id"], 1, delivered_on + timedelta(days=3))

    def wishes(self, project: dict, phases: list[dict], client: dict) -> None:
        rng, w = self.rng, self.w
        decider = client["_contacts"][0]
        started = [p for p in phases if p["started_at"]]
        open_project = project["status"] in ("active", "contracted", "proposal")
        for number in range(_count(rng, FULL["wishes_per_project"])):
            if started:
                phase = rng.choice(started)
                received = self.day_of(phase["started_at"]) + timedelta(days=rng.randint(0, 10))
            else:
                phase, received = None, self.today - timedelta(days=rng.randint(1, 20))
            received = min(received, self.today - timedelta(days=1))
            hours = _money(rng.randint(1, 24))
            rate = project["hourly_rate"]
            fields = {
                "project_id": project["id"],
                "title": rng.choice(WISH_TITLES),
                "description": "Gevraagd door de klant.",
                "source": rng.choice(["email", "call", "meeting", "client_page"]),
                "received_on": received,
                "contact_id": decider["id"],
                "created_at": self.at(received, 11),
                "estimate_hours": hours,
            }
            pending = (open_project and number == 0) or (open_project and rng.random() < 0.3)
            if pending:
                state = rng.choices(["new", "assessed", "waiting"], [0.25, 0.25, 0.5])[0]
                if state == "new":
                    fields["estimate_hours"] = None
                if state == "waiting":
                    waiting_since = self.at(received, 15)
                    fields.update(
                        classification="extra_cost", hourly_rate=rate, cost=round_money(hours * rate),
                        waiting_since=waiting_since,
                    )  # fmt: skip
                wish = w[ChangeRequest].add(status=state, **fields)
                if state == "waiting":
                    self.link("change_decision", ChangeRequest, wish["id"], decider, waiting_since)
                    for stage, days in ((1, 3), (2, 7)):
                        if self.today - received > timedelta(days=days):
                            self.reminder("decision_nudge", wish["id"], stage, received + timedelta(days=days))
                continue
            outcome = rng.choices(["fits_scope", "own_misjudgement", "pay", "swap", "stop"], [3, 1, 3, 1, 2])[0]
            decided_at = self.at(received + timedelta(days=rng.randint(1, 6)), 14, rng.randint(0, 59))
            decided_at = min(decided_at, self.now - timedelta(hours=2))
            if outcome in ("fits_scope", "own_misjudgement"):
                status = "done" if phase and phase["status"] == "accepted" else "decided"
                w[ChangeRequest].add(status=status, classification=outcome, decided_at=decided_at, **fields)
                continue
            status = "dropped" if outcome == "stop" else ("done" if project["status"] == "completed" else "decided")
            fields.update(
                classification="extra_cost", hourly_rate=rate, cost=round_money(hours * rate),
                waiting_since=self.at(received, 15), decided_at=decided_at,
            )  # fmt: skip
            wish = w[ChangeRequest].add(status=status, decision=outcome, **fields)
            if outcome == "pay" and not open_project:  # billed with the project's last invoice
                project.setdefault("_paid_wishes", []).append(wish)
            if rng.random() < self.spec.detail:
                snapshot = {
                    "wish": wish["id"],
                    "title": wish["title"],
                    "estimate_hours": str(hours),
                    "hourly_rate": str(rate),
                    "cost": str(wish["cost"]),
                    "project": project["name"],
                }
                row = w[ChangeDecision].add(
                    change_request_id=wish["id"],
                    decision=outcome,
                    swapped_items=[],
                    link_id=None,
                    contact_name=decider["name"],
                    contact_email=decider["email"],
                    recorded_by_id=self.uid,
                    note="Telefonisch besproken met de klant.",
                    viewed_at=None,
                    decided_at=decided_at,
                    snapshot=snapshot,
                    snapshot_sha256=snapshot_hash(snapshot),
                )
                self.evidence.append((decided_at, ChangeDecision, row))

    def hours(self, project: dict, phases: list[dict], rate: Decimal) -> None:
        rng, w = self.rng, self.w
        worked = [p for p in phases if p["started_at"]]
        if not worked:
            return
        for _ in range(_count(rng, FULL["hours_per_project"] * self.spec.detail)):
            phase = rng.choice(worked)
            first = self.day_of(phase["started_at"])
            last = self.day_of(phase["delivered_at"]) if phase["delivered_at"] else self.today - timedelta(days=1)
            day = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
            # Hours of finished projects were billed or were fixed-price work: only open
            # projects have billable hours that are on no invoice yet.
            billable = project["status"] in ("active", "contracted", "proposal") and rng.random() < 0.85
            w[TimeEntry].add(
                owner_id=self.uid,
                project_id=project["id"],
                phase_id=phase["id"],
                date=min(day, self.today),
                hours=Decimal(rng.randint(2, 32)) / 4,
                role=rng.choice(ROLE_WEIGHTS),
                billable=billable,
                note=rng.choice(TIME_NOTES),
                hourly_rate=rate,
                created_at=self.at(min(day, self.today), 17),
            )

    def risk(self, project: dict) -> None:
        self.w[Risk].add(
            project_id=project["id"],
            description="De klant levert de teksten niet op tijd.",
            party="client",
            likelihood=self.rng.randint(1, 3),
            impact=self.rng.randint(1, 3),
            mitigation="Na vijf werkdagen plaatsen we voorlopige teksten.",
            status="open",
            created_at=project["created_at"],
        )

    def contract(self, project: dict, status: str) -> None:
        if self.ctx.template is None or not self.spec.full_profile:
            return
        contract_status = {"proposal": "draft", "contracted": "sent"}.get(status, "accepted")
        contract = self.w[Contract].add(
            project_id=project["id"],
            template_id=self.ctx.template.pk,
            language="nl",
            general_terms_id=self.ctx.general_terms_id,
            status=contract_status,
            created_at=project["created_at"],
        )
        for position, source in enumerate(self.ctx.clauses, start=1):
            self.w[ContractClause].add(
                contract_id=contract["id"],
                position=position,
                category=source.category,
                title=source.title,
                body=source.body,
                source_id=source.pk,
            )

    # money ---------------------------------------------------------------------------------

    def billing(self, project: dict, phases: list[dict], client: dict, rate: Decimal) -> None:
        rng = self.rng
        before = len(self.invoices)
        for phase in phases:
            if phase["status"] != "accepted" or rng.random() > FULL["invoice_share"] / 0.95:
                continue
            issued = self.day_of(phase["accepted_at"]) + timedelta(days=rng.randint(0, 2))
            issued = min(issued, self.today - timedelta(days=1))
            lines = []
            if phase["fixed_price"] is not None:
                lines.append((phase["title"], Decimal("1.00"), "fase", phase["fixed_price"]))
            if phase["fixed_price"] is None or rng.random() < 0.4:
                lines.append((f"Uren {phase['title'].lower()}", _money(rng.randint(4, 60)), "uur", rate))
            draft = project["status"] == "active" and phase is [p for p in phases if p["status"] == "accepted"][-1]
            draft = draft and rng.random() < 0.3
            self.invoices.append(
                {
                    "project": project,
                    "phase": phase,
                    "client": client,
                    "issued": issued,
                    "lines": lines,
                    "draft": draft,
                    "late": rng.random() < 0.12,
                    "credited": rng.random() < 0.015,
                    "partial": rng.random() < 0.03,
                    "order": rng.random(),
                }
            )

        made = self.invoices[before:]
        if made and project.get("_paid_wishes"):  # paid wishes go on the project's last invoice
            made[-1]["lines"] = [
                *made[-1]["lines"],
                *((f"Wens: {wish['title']}", Decimal("1.00"), "stuk", wish["cost"], wish["id"])
                  for wish in project["_paid_wishes"]),
            ]  # fmt: skip

    def finish_invoices(self) -> None:
        """Number the sent invoices per year in date order, then write them with lines, payments and history."""
        rng, w = self.rng, self.w
        sent = sorted((i for i in self.invoices if not i["draft"]), key=lambda i: (i["issued"], i["order"]))
        # Credit notes join the series a few days after their invoice.
        notes = []
        for item in sent:
            if item["credited"]:
                day = min(item["issued"] + timedelta(days=rng.randint(2, 10)), self.today - timedelta(days=1))
                notes.append({"credits": item, "issued": day, "order": item["order"]})
        series = sorted([*sent, *notes], key=lambda i: (i["issued"], i["order"]))
        counters: dict[int, int] = defaultdict(int)
        for item in series:
            year = item["issued"].year
            counters[year] += 1
            item["number"] = f"{year}-{counters[year]:04d}"
        for year, last in sorted(counters.items()):
            w[InvoiceCounter].add(owner_id=self.uid, year=year, last_number=last)
        for item in [*self.invoices, *notes]:
            if "credits" not in item:
                self.invoice(item)
        for item in notes:
            self.credit_note(item)

    def parties(self, client: dict) -> tuple[dict, dict]:
        from contracts.invoices import _party

        seller = _party(
            f"{self.full_name} Webdesign", "Lange Nieuwstraat 21", "3512 PH", "Utrecht",
            kvk="87654321", vat_id="NL002345678B51", iban="NL91ABNA0417164300", code="NL", country_name="Nederland",
        )  # fmt: skip
        buyer = _party(
            client["name"], client["street_address"], client["postcode"], client["city"], client["country"],
            kvk=client["kvk_number"], code="NL", country_name="Nederland",
        )  # fmt: skip
        return seller, buyer

    def invoice(self, item: dict) -> None:
        rng, w = self.rng, self.w
        client, project, phase = item["client"], item["project"], item["phase"]
        excl = sum((round_money(line[1] * line[3]) for line in item["lines"]), Decimal("0.00"))
        vat = round_money(excl * VAT)
        total = excl + vat
        term = client["payment_term_days"]
        base = {
            "owner_id": self.uid,
            "client_id": client["id"],
            "project_id": project["id"],
            "phase_id": phase["id"],
            "kind": "invoice",
            "payment_term_days": term,
            "language": "nl",
            "created_at": self.at(item["issued"], 9),
        }
        if item["draft"]:
            row = w[Invoice].add(status="draft", number="", **base)
            self.lines(row, item["lines"], sign=1)
            return
        issued = item["issued"]
        due = issued + timedelta(days=term)
        seller, buyer = self.parties(client)
        delay = term + rng.randint(5, 50) if item["late"] else rng.randint(3, term)
        paid_on = issued + timedelta(days=delay)
        if item["credited"]:
            status, paid_on = "credited", None
        elif paid_on >= self.today:
            status, paid_on = "sent", None
        else:
            status = "paid"
        row = w[Invoice].add(
            number=item["number"],
            public_id=f"{rng.getrandbits(128):032x}",
            payment_reference=creditor_reference(item["number"]),
            status=status,
            issue_date=issued,
            delivery_date=self.day_of(phase["accepted_at"]),
            due_date=due,
            seller=seller,
            buyer=buyer,
            total_excl=excl,
            total_vat=vat,
            total=total,
            sent_at=self.at(issued, 10),
            paid_on=paid_on,
            **base,
        )
        item["row"] = row
        self.lines(row, item["lines"], sign=1)
        ev = w[InvoiceEvent]
        ev.add(
            invoice_id=row["id"], kind="issued", actor_id=self.uid, at=self.at(issued, 10), amount=total,
            data={"number": item["number"], "issue_date": issued.isoformat(), "due_date": due.isoformat()},
        )  # fmt: skip
        if status == "paid":
            parts = [total] if not item["partial"] else [round_money(total / 2), total - round_money(total / 2)]
            days = [paid_on] if len(parts) == 1 else [max(issued, paid_on - timedelta(days=10)), paid_on]
            for n, (amount, day) in enumerate(zip(parts, days, strict=True)):
                payment = w[Payment].add(
                    invoice_id=row["id"], amount=amount, paid_on=day, reference=f"{client['name'][:30]} {item['number']}",
                    recorded_by_id=self.uid, created_at=self.at(day, 16),
                )  # fmt: skip
                new = "paid" if n == len(parts) - 1 else "partly_paid"
                old = "sent" if n == 0 else "partly_paid"
                ev.add(
                    invoice_id=row["id"], kind="payment_recorded", actor_id=self.uid, at=self.at(day, 16),
                    amount=amount,
                    data={"payment": payment["id"], "paid_on": day.isoformat(), "reference": payment["reference"],
                          "old_status": old, "new_status": new},
                )  # fmt: skip
        # Payment reminders sent: those due before it was paid (or before today, when still open).
        settled = paid_on or (self.today if status == "sent" else issued)
        for stage, days in ((1, 1), (2, 14), (3, 28)):
            on = due + timedelta(days=days)
            if client["kind"] == "consumer" and stage == 3:
                break
            if on < settled and on < self.today:
                self.reminder("payment", row["id"], stage, on)

    def credit_note(self, item: dict) -> None:
        w = self.w
        original = item["credits"]["row"]
        issued = item["issued"]
        row = w[Invoice].add(
            owner_id=self.uid, client_id=original["client_id"], project_id=original["project_id"], phase_id=None,
            kind="credit_note", credits_id=original["id"], number=item["number"],
            public_id=f"{self.rng.getrandbits(128):032x}", status="sent", issue_date=issued,
            delivery_date=original["delivery_date"], due_date=issued + timedelta(days=original["payment_term_days"]),
            payment_term_days=original["payment_term_days"], language="nl", seller=original["seller"],
            buyer=original["buyer"], total_excl=-original["total_excl"], total_vat=-original["total_vat"],
            total=-original["total"], sent_at=self.at(issued, 10), created_at=self.at(issued, 9),
            note=f"Creditering van factuur {original['number']}.",
        )  # fmt: skip
        self.lines(row, item["credits"]["lines"], sign=-1)
        w[InvoiceEvent].add(
            invoice_id=row["id"], kind="issued", actor_id=self.uid, at=self.at(issued, 10), amount=row["total"],
            data={"number": item["number"], "issue_date": issued.isoformat(), "due_date": row["due_date"].isoformat()},
        )  # fmt: skip
        w[InvoiceEvent].add(
            invoice_id=original["id"], kind="credited", actor_id=self.uid, at=self.at(issued, 10),
            amount=original["total"],
            data={"credit_note": item["number"], "old_status": "sent", "new_status": "credited"},
        )  # fmt: skip

    def lines(self, invoice: dict, lines: list, *, sign: int) -> None:
        for position, (description, quantity, unit, price, *wish) in enumerate(lines, start=1):
            self.w[InvoiceLine].add(
                invoice_id=invoice["id"],
                position=position,
                description=description,
                quantity=quantity * sign,
                unit=unit,
                unit_price=price,
                vat_percent=Decimal("21"),
                change_request_id=wish[0] if wish and sign > 0 else None,
            )

    # reminders and evidence -------------------------------------------------------------------

    def reminder(self, kind: str, object_id: int, stage: int, on: date) -> None:
        self.reminders.append({"kind": kind, "object_id": object_id, "stage": stage, "due_on": on})

    def finish_reminders(self) -> None:
        if self.spec.detail >= 1 or self.rng.random() < 1:  # the digests of the past 30 days
            for days in range(30, 0, -1):
                day = self.today - timedelta(days=days)
                self.reminder("digest", self.uid, day.toordinal(), day)
        table = self.w[Reminder]
        for r in self.reminders:
            table.add(owner_id=self.uid, claim=self.uuid(), created_at=self.at(r["due_on"], 7), email_id=None, **r)

    def chain(self) -> None:
        """The freelancer's evidence ledger over the rows made here, in decision order."""
        previous, table = GENESIS, self.w[EvidenceEntry]
        fields_of = {}
        self.evidence.sort(key=lambda e: (e[0], e[1]._meta.label_lower, e[2]["id"]))
        for seq, (decided_at, model, row) in enumerate(self.evidence, start=1):
            label = model._meta.label_lower
            fields = fields_of.setdefault(model, covered_fields(model))
            entry = {
                "owner_id": self.uid,
                "seq": seq,
                "model": label,
                "object_id": row["id"],
                "fields": fields,
                "row_hash": row_hash(label, {name: row[name] for name in fields}),
                "previous_hash": previous,
                "issuer_name": self.full_name,
                "recorded_at": decided_at,
            }
            entry["chain_hash"] = link_hash(**entry)
            table.add(**entry)
            previous = entry["chain_hash"]


# -- the whole run ----------------------------------------------------------------------------


@dataclass
class Result:
    seconds: dict[str, float]
    rows: dict[str, int]


def generated_users():
    User = get_user_model()
    return User.objects.filter(
        models.Q(username__in=[LONGTIME, SMALL]) | models.Q(username__regex=rf"^{HOSTED_PREFIX}[0-9]{{4,}}$")
    )


def anchor() -> tuple[date, datetime]:
    today = timezone.localdate()
    return today, timezone.make_aware(datetime(today.year, today.month, today.day, 8, 0))


def _context(writer: Writer, now: datetime, today: date) -> Context:
    template = ContractTemplate.default_for(None, "nl")
    ctx = Context(
        writer=writer,
        now=now,
        today=today,
        password=make_password(PASSWORD),  # hashed once, shared by every generated login
        content_types={m: ContentType.objects.get_for_model(m).pk for m in (Phase, ChangeRequest, ContractVersion)},
        template=template,
    )
    if template is not None:
        ctx.clauses = template.clauses(None)
        terms = template.general_terms(None)
        ctx.general_terms_id = terms.pk if terms else None
    return ctx


def generate(
    *,
    seed: int = 1,
    scale: float = 1.0,
    hosted: int = 1000,
    hosted_detail: float = 0.1,
    out: Callable[[str], None] = print,
) -> Result:
    """Build longtime, small and ``hosted`` hosted freelancers. Call on a database without them."""
    today, now = anchor()
    seconds, rows = {}, defaultdict(int)
    parts = [("longtime", [Spec(LONGTIME, scale)]), ("small", [Spec(SMALL, 0.01 * scale)])]
    if hosted:
        width = max(4, len(str(hosted)))
        specs = [
            Spec(f"{HOSTED_PREFIX}{n:0{width}d}", 0.1 * scale, detail=hosted_detail, full_profile=False)
            for n in range(1, hosted + 1)
        ]
        parts.append(("hosted", specs))
    for label, specs in parts:
        start = time.perf_counter()
        with transaction.atomic():
            writer = Writer(now, today)
            ctx = _context(writer, now, today)
            for spec in specs:
                Freelancer(ctx, spec, seed).build()
                writer.maybe_flush()
            writer.finish()
            if label in ("longtime", "small"):
                _finish_by_orm(specs[0].username, now)
        for table, n in writer.counts().items():
            rows[table] += n
        seconds[label] = time.perf_counter() - start
        out(f"{label}: {sum(writer.counts().values()):,} rows in {seconds[label]:.1f} s "
            f"(writing {writer.seconds_writing:.1f} s)")  # fmt: skip
    start = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds["analyze"] = time.perf_counter() - start
    return Result(seconds=seconds, rows=dict(rows))


def _finish_by_orm(username: str, now: datetime) -> None:
    """What needs the app's own code: the calendar feed (a sealed token), and for the open
    contracts a frozen version; an accepted one also its client acceptance, chained as the app does."""
    from contracts.rendering import build_snapshot
    from freelance.dashboard.models import CalendarFeed

    user = get_user_model().objects.get(username=username)
    CalendarFeed.turn_on(user)
    contracts = (
        Contract.objects.filter(project__owner=user, status__in=["sent", "accepted"], project__status__in=["active", "contracted"])
        .select_related("project__client", "general_terms")
        .order_by("pk")
    )  # fmt: skip
    content_type = ContentType.objects.get_for_model(ContractVersion)
    for contract in contracts:
        created = contract.created_at + timedelta(days=1)
        snapshot = build_snapshot(contract)
        version = ContractVersion.objects.create(
            contract=contract, number=1, snapshot=snapshot, snapshot_sha256=snapshot_hash(snapshot),
            created_at=created, created_by=user,
        )  # fmt: skip
        contact = contract.project.client.contacts.order_by("-is_decision_maker", "pk").first()
        seeded = random.Random(f"{username}:contract:{contract.project.name}")  # noqa: S311
        link = ClientLink.objects.create(
            owner=user, purpose=ClientLink.Purpose.CONTRACT_ACCEPTANCE,
            token_hash=token_hash(f"{username}-contract-{seeded.getrandbits(128):032x}"),
            public_id=uuid.UUID(int=seeded.getrandbits(128), version=4), content_type_id=content_type.pk,
            object_id=version.pk, recipient_name=contact.name, recipient_email=contact.email, created_at=created,
            expires_at=created + timedelta(days=settings.CLIENT_LINK_DAYS),
        )  # fmt: skip
        if contract.status == Contract.Status.ACCEPTED:
            decided = created + timedelta(days=1, hours=2)
            ClientLink.objects.filter(pk=link.pk).update(used_at=decided)
            ContractAcceptance.objects.create(  # save() chains it: freelance.evidence
                version=version, link=link, typed_name=contact.name, contact_name=contact.name,
                contact_email=contact.email, viewed_at=decided - timedelta(minutes=5), view_ip="192.0.2.20",
                view_user_agent=UA, decided_at=decided, decision_ip="192.0.2.20", decision_user_agent=UA,
            )  # fmt: skip


# -- replacing ----------------------------------------------------------------------------------

# Child tables first: (model, SQL condition on the generated owners' ids, given as %(ids)s).
_PROJECT = "project_id IN (SELECT id FROM projects_project WHERE owner_id IN %(ids)s)"
_PHASE = "phase_id IN (SELECT p.id FROM projects_phase p JOIN projects_project r ON r.id = p.project_id WHERE r.owner_id IN %(ids)s)"
_INVOICE = "invoice_id IN (SELECT id FROM contracts_invoice WHERE owner_id IN %(ids)s)"
_CONTRACT = "contract_id IN (SELECT c.id FROM contracts_contract c JOIN projects_project r ON r.id = c.project_id WHERE r.owner_id IN %(ids)s)"
_DELETE = [
    (EvidenceEntry, "owner_id IN %(ids)s"),
    (Reminder, "owner_id IN %(ids)s"),
    (InvoiceEvent, _INVOICE),
    (Payment, _INVOICE),
    (TimeEntry, "owner_id IN %(ids)s"),
    (InvoiceLine, _INVOICE),
    (Invoice, "owner_id IN %(ids)s"),
    (ContractAcceptance, "version_id IN (SELECT id FROM contracts_contractversion WHERE " + _CONTRACT + ")"),  # noqa: S608
    (ContractVersion, _CONTRACT),
    (ContractClause, _CONTRACT),
    (Contract, _PROJECT),
    (ChangeDecision, "change_request_id IN (SELECT id FROM projects_changerequest WHERE " + _PROJECT + ")"),  # noqa: S608
    (Acceptance, _PHASE),
    (AcceptanceRequest, _PHASE),
    (LinkVisit, "link_id IN (SELECT id FROM links_clientlink WHERE owner_id IN %(ids)s)"),
    (ClientLink, "owner_id IN %(ids)s"),
    (PhaseEvent, _PROJECT),
    (Risk, _PROJECT),
    (ScopeItem, _PHASE),
    (ChangeRequest, _PROJECT),
    (Phase, _PROJECT),
    (Project, "owner_id IN %(ids)s"),
    (Contact, "client_id IN (SELECT id FROM projects_client WHERE owner_id IN %(ids)s)"),
    (Client, "owner_id IN %(ids)s"),
    (InvoiceCounter, "owner_id IN %(ids)s"),
    (HourlyRate, "owner_id IN %(ids)s"),
    (BusinessProfile, "owner_id IN %(ids)s"),
    (UserPreferences, "user_id IN %(ids)s"),
]
_APPEND_ONLY = [EvidenceEntry, Acceptance, ChangeDecision, ContractAcceptance, LinkVisit]


def delete_generated(out: Callable[[str], None] = print) -> int:
    """Delete the generated freelancers and their rows; returns how many freelancers went.

    The bulk goes by SQL, children first; the users themselves (and whatever the app made for
    them since: mails, sessions, documents) by the ORM. On PostgreSQL the append-only triggers
    are switched off inside this transaction only (a DDL change that rolls back with it).
    """
    ids = tuple(generated_users().values_list("pk", flat=True))
    if not ids:
        return 0
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        if postgres:
            for model in _APPEND_ONLY:
                table = model._meta.db_table
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        for model, condition in _DELETE:
            if postgres:  # psycopg 3 adapts a list to an array, not a tuple to a row
                sql = f"DELETE FROM {model._meta.db_table} WHERE " + condition.replace("IN %(ids)s", "= ANY(%s)")  # noqa: S608
                cursor.execute(sql, [list(ids)] * sql.count("%s"))
            else:
                sql = f"DELETE FROM {model._meta.db_table} WHERE " + condition.replace("%(ids)s", "%s")  # noqa: S608
                _sqlite_delete(cursor, sql, ids)
        get_user_model().objects.filter(pk__in=ids).delete()
        if postgres:
            for model in _APPEND_ONLY:
                table = model._meta.db_table
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
    out(f"deleted {len(ids)} generated freelancers in {time.perf_counter() - start:.1f} s")
    return len(ids)


def _sqlite_delete(cursor, sql: str, ids: tuple) -> None:
    marks = "(" + ", ".join(["%s"] * len(ids)) + ")"
    count = sql.count("%s")
    cursor.execute(sql.replace("%s", marks), list(ids) * count)


# -- for the benchmark and the tests ----------------------------------------------------------


def sample_targets(user) -> dict:
    """Pks and URLs the benchmark can request for a generated freelancer (``longtime`` or ``small``)."""
    from django.urls import reverse

    from freelance.dashboard.models import CalendarFeed

    active = (
        Project.objects.filter(owner=user, status="active", phases__status="delivered").order_by("pk").first()
    ) or Project.objects.filter(owner=user, status="active").order_by("pk").first()
    waiting = Phase.objects.filter(project__owner=user, status="delivered").order_by("pk").first()
    invoice = Invoice.objects.filter(owner=user, kind="invoice", status="paid").order_by("-issue_date", "-pk").first()
    open_invoice = Invoice.objects.filter(Invoice.overdue(), owner=user).order_by("due_date", "pk").first()
    contract = Contract.objects.filter(project__owner=user, versions__isnull=False).order_by("-pk").first()
    feed = CalendarFeed.objects.filter(user=user).first()
    return {
        "active_project": active.pk if active else None,
        "active_project_url": reverse("projects:project_detail", args=[active.pk]) if active else None,
        "phase_waiting_for_acceptance": waiting.pk if waiting else None,
        "invoice": invoice.pk if invoice else None,
        "overdue_invoice": open_invoice.pk if open_invoice else None,
        "contract_project": contract.project_id if contract else None,
        "calendar_url": feed.url if feed else None,
    }


def digest(usernames: list[str] | None = None) -> str:
    """SHA-256 of the generated data's key columns (no primary keys, no timestamps), in pk order."""
    users = generated_users() if usernames is None else get_user_model().objects.filter(username__in=usernames)
    ids = list(users.values_list("pk", flat=True))
    h = hashlib.sha256()
    queries = [
        users.order_by("username").values_list("username", "first_name", "last_name"),
        Client.objects.filter(owner__in=ids).order_by("pk").values_list("owner__username", "name", "kind", "city"),
        Project.objects.filter(owner__in=ids).order_by("pk").values_list("owner__username", "name", "status", "first_deadline", "hourly_rate"),
        Phase.objects.filter(project__owner__in=ids).order_by("pk").values_list("project__name", "position", "status", "fixed_price", "due_date"),
        ScopeItem.all_objects.filter(phase__project__owner__in=ids).order_by("pk").values_list("title", "estimate_hours"),
        ChangeRequest.objects.filter(project__owner__in=ids).order_by("pk").values_list("title", "status", "cost", "received_on"),
        TimeEntry.objects.filter(owner__in=ids).order_by("pk").values_list("date", "hours", "role", "billable"),
        Invoice.objects.filter(owner__in=ids).order_by("pk").values_list("owner__username", "number", "kind", "status", "issue_date", "due_date", "total", "paid_on"),
        InvoiceLine.objects.filter(invoice__owner__in=ids).order_by("pk").values_list("description", "quantity", "unit_price"),
        Payment.objects.filter(invoice__owner__in=ids).order_by("pk").values_list("invoice__number", "amount", "paid_on"),
        Reminder.objects.filter(owner__in=ids).order_by("pk").values_list("kind", "stage", "due_on"),
        EvidenceEntry.objects.filter(owner__in=ids).order_by("owner__username", "seq").values_list("model", "seq"),
    ]  # fmt: skip
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            h.update(repr(row).encode())
    return h.hexdigest()
