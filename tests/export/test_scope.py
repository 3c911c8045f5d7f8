"""Every table is either in a freelancer's export or named as the install's own, with a reason."""

from __future__ import annotations

import pytest

from freelance.export import scope

pytestmark = pytest.mark.django_db


def test_every_model_is_exported_or_named_as_the_installs_own():
    assert scope.uncovered_models() == [], "add the model to freelance/export/scope.py: OWNER_LOOKUPS or NOT_EXPORTED"


def test_a_new_model_would_be_noticed(monkeypatch):
    monkeypatch.delitem(scope.OWNER_LOOKUPS, "contracts.Payment")
    assert scope.uncovered_models() == ["contracts.Payment"]


def test_every_owner_lookup_exists_and_reaches_a_login():
    for scoped in scope.scoped_models():
        str(scoped.rows(1).query)  # raises FieldError for a lookup that does not exist
        *path, last = scoped.lookup.split("__")
        model = scoped.model
        for name in path:
            model = model._meta.get_field(name).related_model
        assert scope.is_user_model(model._meta.get_field(last).related_model), scoped.label
    assert {s.label for s in scope.scoped_models()} == set(scope.OWNER_LOOKUPS), "a lookup names no model"


def test_every_foreign_key_of_an_exported_row_can_be_restored():
    assert scope.dangling_foreign_keys() == []


def test_parents_are_loaded_before_the_rows_that_point_to_them():
    order = [s.label for s in scope.scoped_models()]
    assert order.index("projects.Client") < order.index("projects.Project") < order.index("projects.Phase")
    assert order.index("contracts.Invoice") < order.index("contracts.InvoiceLine") < order.index("contracts.Payment")
    assert order.index("links.ClientLink") < order.index("projects.AcceptanceRequest")
