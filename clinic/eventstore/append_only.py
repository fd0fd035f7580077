"""A PostgreSQL trigger that makes a table append-only (UPDATE and DELETE raise).

Used by the migrations of the events table and the access log. TRUNCATE stays with
the database owner: the test runner resets test databases with it; the application
never truncates.
"""

from __future__ import annotations

from typing import Any


def _names(table: str) -> tuple[str, str]:
    return f"{table}_refuse_change", f"{table}_append_only"


def create_sql(table: str, message: str) -> str:
    function, trigger = _names(table)
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{message}: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""


def drop_sql(table: str) -> str:
    function, trigger = _names(table)
    return f"DROP TRIGGER IF EXISTS {trigger} ON {table}; DROP FUNCTION IF EXISTS {function}();"


def operations(table: str, message: str) -> tuple[Any, Any]:
    """(forwards, backwards) functions for ``migrations.RunPython``; PostgreSQL only."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create_sql(table, message), params=None)

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop_sql(table), params=None)

    return forwards, backwards
