"""On PostgreSQL the database itself refuses to change or delete evidence, not only the model.

``AppendOnly`` refuses ``save()`` of an existing row and ``delete()``; a queryset
``update()``, raw SQL or a cascade would still get through. A row trigger closes that:
every UPDATE and DELETE on these tables fails with SQLSTATE 23001 (restrict_violation,
an ``IntegrityError`` in Django). INSERT stays allowed (an import restores rows as they
were), and so does TRUNCATE, which the test runner uses to empty the database. Someone with
superuser rights can still switch the trigger off; the hash chain is what catches that.

Migrations use ``append_only("<table>", ...)``; on SQLite it does nothing.
"""

from __future__ import annotations

from django.db import migrations

FUNCTION = "mijlpaal_refuse_change"


def _trigger(table: str) -> str:
    return f"{table}_append_only"


def append_only_sql(table: str) -> str:
    """Create (or replace) the shared trigger function and the trigger on ``table``."""
    return f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on %: recorded evidence is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation',
          HINT = 'Evidence rows are never changed or deleted; record a new row instead.';
END
$$;
DROP TRIGGER IF EXISTS {_trigger(table)} ON {table};
CREATE TRIGGER {_trigger(table)} BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""


def drop_append_only_sql(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table};"


def append_only(*tables: str) -> migrations.RunPython:
    """A migration operation: the trigger on each table, on PostgreSQL only; reversible."""

    def forward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for table in tables:
                schema_editor.execute(append_only_sql(table), params=None)

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for table in tables:
                schema_editor.execute(drop_append_only_sql(table), params=None)

    return migrations.RunPython(forward, backward, elidable=False)
