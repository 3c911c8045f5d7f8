"""Migration 0002 loads a frozen copy of the default texts, and loads it as `contracts.seed` does.

The migration must do the same thing on every fresh database, so it carries its own data
(`contracts/migrations/_0002_default_templates_data.py`) and imports nothing from
`contracts.seed`, `contracts.defaults` or `contracts.placeholders`. These tests pin that
frozen copy, check that it still equals today's defaults, and check that the migration
leaves the same rows as the seed loader, on a fresh database and on a database that
already holds (edited) texts.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, migrations, transaction
from django.db.migrations.loader import MigrationLoader

from contracts import defaults, seed
from contracts.migrations import _0002_default_templates_data as frozen
from contracts.models import ClauseTemplate, ContractTemplate, GeneralTerms
from contracts.placeholders import validate_clause_body

ROOT = Path(__file__).resolve().parent.parent.parent
MIGRATIONS = ROOT / "contracts" / "migrations"
MIGRATION_FILE = MIGRATIONS / "0002_default_templates.py"
DATA_FILE = MIGRATIONS / "_0002_default_templates_data.py"

migration = importlib.import_module("contracts.migrations.0002_default_templates")
# Later data migrations that give the defaults a new version, each with its own frozen texts.
PAYMENT_BY_CLIENT_TYPE = "0010_payment_clause_by_client_type"
payment_by_client_type = importlib.import_module(f"contracts.migrations.{PAYMENT_BY_CLIENT_TYPE}")
DEPOSIT_AND_EMPTY_DETAILS = "0011_deposit_and_empty_details"
deposit_and_empty_details = importlib.import_module(f"contracts.migrations.{DEPOSIT_AND_EMPTY_DETAILS}")

# SHA-256 of the frozen data as canonical JSON. Migration 0002 has run on installs that
# exist: its data must never change. If this fails, undo the edit to the data module.
FROZEN_SHA256 = "e16adde701f4d77f5b4ff3f838c76cf5dd82b23bcf84f387ca2cc00f4534b4d3"

NEW_MIGRATION_NEEDED = (
    "contracts.defaults / contracts.seed no longer produce the data frozen in "
    "contracts/migrations/_0002_default_templates_data.py. Do NOT edit that file or migration 0002: "
    "they have run on existing installs. If the new default texts are intended, ship them with a new "
    "data migration carrying its own frozen copy (and/or `manage.py load_contract_templates`), and point "
    "this comparison at the newest frozen copy."
)


def frozen_data() -> dict[str, list[dict]]:
    return {
        "clause_templates": frozen.CLAUSE_TEMPLATES,
        "general_terms": frozen.GENERAL_TERMS,
        "contract_templates": frozen.CONTRACT_TEMPLATES,
    }


def newest_frozen_data() -> dict[str, list[dict]]:
    """0002's frozen data with the texts later data migrations replaced (their own frozen copies)."""
    newer = {("payment", row["language"]): row["body"] for row in payment_by_client_type.PAYMENT}
    newer |= {
        (row["key"], row["language"]): row["body"]
        for row in deposit_and_empty_details.TEXTS
        if row["model"] == "ClauseTemplate"
    }
    newer_terms = {
        (row["key"], row["language"]): row["body"]
        for row in deposit_and_empty_details.TEXTS
        if row["model"] == "GeneralTerms"
    }
    data = frozen_data()
    data["clause_templates"] = [
        row | {"body": newer.get((row["key"], row["language"]), row["body"])} for row in data["clause_templates"]
    ]
    data["general_terms"] = [
        row | {"body": newer_terms.get((row["key"], row["language"]), row["body"])} for row in data["general_terms"]
    ]
    return data


def defaults_as_of_0002():
    """`contracts.defaults` as it was when migration 0002 was written: its frozen data."""
    clauses: dict[str, dict] = {}
    for row in frozen.CLAUSE_TEMPLATES:
        spec = clauses.setdefault(row["key"], {"category": row["category"]})
        spec[row["language"]] = {"title": row["title"], "body": row["body"]}
    terms: dict[str, dict] = {}
    for row in frozen.GENERAL_TERMS:
        terms.setdefault(row["key"], {})[row["language"]] = {"title": row["title"], "body": row["body"]}
    templates = {row["language"]: dict(row) for row in frozen.CONTRACT_TEMPLATES}
    return mock.patch.multiple(defaults, CLAUSES=clauses, GENERAL_TERMS=terms, CONTRACT_TEMPLATES=templates)


def seed_as_of_0002() -> None:
    with defaults_as_of_0002():
        seed.load_contract_templates()


def load_as_the_migrations_do() -> None:
    """0002's seed, then the later data migrations, each with its own historical models."""
    seed_as_of_0002()
    apps = MigrationLoader(connection).project_state(("contracts", PAYMENT_BY_CLIENT_TYPE)).apps
    payment_by_client_type.add_payment_clause_by_client_type(apps, None)
    apps = MigrationLoader(connection).project_state(("contracts", DEPOSIT_AND_EMPTY_DETAILS)).apps
    deposit_and_empty_details.state_deposit_and_leave_out_empty_details(apps, None)


def rows_from_defaults() -> dict[str, list[dict]]:
    """What `contracts.seed` would create today from `contracts.defaults`, row by row, in order."""

    def texts(specs: dict, with_category: bool) -> list[dict]:
        rows = []
        for key, spec in specs.items():
            for language, text in spec.items():
                if not isinstance(text, dict):
                    continue
                row = {"key": key, "language": language}
                if with_category:
                    row["category"] = spec["category"]
                row |= {"title": text["title"], "body": text["body"], "change_note": seed.CHANGE_NOTE.get(language, "")}
                rows.append(row)
        return rows

    return {
        "clause_templates": texts(defaults.CLAUSES, with_category=True),
        "general_terms": texts(defaults.GENERAL_TERMS, with_category=False),
        "contract_templates": [
            {
                "language": language,
                "name": spec["name"],
                "general_terms_key": spec["general_terms_key"],
                "clause_keys": list(spec["clause_keys"]),
            }
            for language, spec in defaults.CONTRACT_TEMPLATES.items()
        ],
    }


# -- the frozen data -----------------------------------------------------------------------------


def test_the_frozen_data_never_changes():
    canonical = json.dumps(frozen_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(canonical.encode()).hexdigest() == FROZEN_SHA256, (
        "The frozen data of migration 0002 changed. It has run on existing installs and must stay as it was: "
        "restore contracts/migrations/_0002_default_templates_data.py and put new texts in a new migration."
    )


def test_the_frozen_data_equals_todays_defaults():
    assert newest_frozen_data() == rows_from_defaults(), NEW_MIGRATION_NEEDED


def test_the_frozen_data_is_complete_and_valid():
    data = frozen_data()
    assert len(data["clause_templates"]) == 22
    assert len(data["general_terms"]) == 2
    assert [t["language"] for t in data["contract_templates"]] == ["nl", "en"]
    for row in data["clause_templates"] + data["general_terms"]:
        validate_clause_body(row["body"])  # the migration no longer validates: the data must already be valid
    clause_keys = {row["key"] for row in data["clause_templates"]}
    terms_keys = {row["key"] for row in data["general_terms"]}
    for template in data["contract_templates"]:
        assert set(template["clause_keys"]) <= clause_keys
        assert template["general_terms_key"] in terms_keys


# -- the migration imports nothing live ------------------------------------------------------------


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module an import statement anywhere in `path` names, relative imports resolved."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            name = ".".join(part for part in (base, node.module) if part)
            modules.add(name)
            # `from contracts import seed` imports contracts.seed.
            modules.update(f"{name}.{alias.name}" for alias in node.names)
    return modules


def dynamic_imports(path: Path) -> list[str]:
    names = {"__import__", "import_module", "importlib", "exec", "eval"}
    return [
        node.id if isinstance(node, ast.Name) else node.attr
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.Name) and node.id in names) or (isinstance(node, ast.Attribute) and node.attr in names)
    ]


@pytest.mark.parametrize("path", [MIGRATION_FILE, DATA_FILE], ids=lambda p: p.name)
def test_the_migration_imports_nothing_from_the_live_modules(path):
    modules = imported_modules(path, "contracts.migrations")
    forbidden = ("contracts.seed", "contracts.defaults", "contracts.placeholders")
    assert not [m for m in modules if m.startswith(forbidden)]
    assert dynamic_imports(path) == []


def test_the_migration_imports_only_django_and_its_frozen_data():
    allowed = {
        "django.db",
        "django.db.migrations",
        "django.db.transaction",
        "contracts.migrations._0002_default_templates_data",
        "contracts.migrations._0002_default_templates_data.CLAUSE_TEMPLATES",
        "contracts.migrations._0002_default_templates_data.GENERAL_TERMS",
        "contracts.migrations._0002_default_templates_data.CONTRACT_TEMPLATES",
    }
    assert imported_modules(MIGRATION_FILE, "contracts.migrations") <= allowed


def test_the_data_module_is_plain_literals():
    tree = ast.parse(DATA_FILE.read_text(encoding="utf-8"))
    docstring, *assignments = tree.body
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    assert [node.targets[0].id for node in assignments] == ["CLAUSE_TEMPLATES", "GENERAL_TERMS", "CONTRACT_TEMPLATES"]
    for node in assignments:
        assert isinstance(node, ast.Assign)
        ast.literal_eval(node.value)  # raises on anything but literals


def test_django_loads_0002_but_not_its_data_module_as_a_migration():
    names = {
        name for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations if app == "contracts"
    }
    assert "0002_default_templates" in names
    assert not [name for name in names if name.startswith("_")]
    (operation,) = migration.Migration.operations
    assert isinstance(operation, migrations.RunPython)
    assert operation.code is migration.load_defaults
    assert operation.reverse_code is migrations.RunPython.noop


# -- the migration leaves the rows the seed leaves ---------------------------------------------------

MODELS = (
    (ClauseTemplate, ("key", "language", "version", "category", "title", "body", "change_note", "created_by_id")),
    (GeneralTerms, ("key", "language", "version", "title", "body", "change_note", "created_by_id")),
    (ContractTemplate, ("language", "name", "general_terms_key", "clause_keys", "is_default")),
)


def snapshot() -> dict[str, list[dict]]:
    """The three tables, in creation order, without ids and timestamps."""
    return {model.__name__: list(model.objects.order_by("pk").values(*fields)) for model, fields in MODELS}


def historical_apps():
    """The app registry migration 0002 runs with: the project state right after 0001."""
    return MigrationLoader(connection).project_state(("contracts", "0001_initial")).apps


def run_migration() -> None:
    migration.load_defaults(historical_apps(), None)


def outcome(setup: Callable[[], None], load: Callable[[], object]) -> dict[str, list[dict]]:
    """The tables after `setup` and then `load`, rolled back afterwards."""
    with transaction.atomic():
        setup()
        load()
        rows = snapshot()
        transaction.set_rollback(True)
    return rows


def empty() -> None:
    for model, _ in MODELS:
        model.objects.all().delete()


def edited_and_partial() -> None:
    """An install that has the defaults, edited some, lost some and chose its own default template."""
    empty()
    seed.load_contract_templates()
    payment = ClauseTemplate.objects.get(key="payment", language="nl")
    ClauseTemplate.objects.create(
        key="payment", language="nl", version=2, category="payment", title=payment.title, body="Betaal snel."
    )
    ClauseTemplate.objects.filter(key="risks", language="en").delete()
    GeneralTerms.objects.filter(language="nl").delete()
    ContractTemplate.objects.filter(language="en").delete()
    ContractTemplate.objects.filter(language="nl").update(is_default=False)
    ContractTemplate.objects.create(language="nl", name="Mine", clause_keys=["payment"], is_default=True)
    ClauseTemplate.objects.create(key="own", language="en", category="rates", title="Own", body="Own text.")


def only_a_default_template_elsewhere() -> None:
    empty()
    ContractTemplate.objects.create(language="en", name="Already default", clause_keys=[], is_default=True)


@pytest.mark.django_db
@pytest.mark.parametrize("setup", [empty, edited_and_partial, only_a_default_template_elsewhere])
def test_the_migration_leaves_the_same_rows_as_the_seed(setup):
    expected = outcome(setup, seed_as_of_0002)
    assert outcome(setup, run_migration) == expected
    assert outcome(setup, lambda: (run_migration(), run_migration())) == expected  # idempotent


@pytest.mark.django_db
def test_on_an_empty_database_both_default_templates_are_made_the_default():
    rows = outcome(empty, run_migration)["ContractTemplate"]
    assert [(t["language"], t["is_default"], t["clause_keys"]) for t in rows] == [
        ("nl", True, defaults.CLAUSE_ORDER),
        ("en", True, defaults.CLAUSE_ORDER),
    ]


@pytest.mark.django_db
def test_the_test_database_holds_what_the_migration_loaded():
    """Right after `migrate` (run with --create-db), the tables hold exactly the default texts."""
    rows = snapshot()
    if not any(rows.values()):
        pytest.skip("a reused test database was flushed by a transactional test; run with --create-db")
    assert rows == outcome(empty, load_as_the_migrations_do)


DUMP = """
import json
from django.apps import apps
models = {MODELS!r}
print("JSON:" + json.dumps({{
    name: list(apps.get_model("contracts", name).objects.order_by("pk").values(*fields))
    for name, fields in models
}}))
"""


@pytest.mark.django_db
def test_a_fresh_database_gets_the_same_rows_as_the_seed(tmp_path):
    """`manage.py migrate` on a brand-new SQLite database, in a separate process."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", "VAR_DIR": str(tmp_path)}

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "-v0")
    code = DUMP.format(MODELS=[(model.__name__, fields) for model, fields in MODELS])
    (line,) = [line for line in manage("shell", "-v0", "-c", code).splitlines() if line.startswith("JSON:")]
    assert json.loads(line.removeprefix("JSON:")) == outcome(empty, load_as_the_migrations_do)
