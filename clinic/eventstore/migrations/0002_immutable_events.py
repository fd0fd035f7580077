"""On PostgreSQL the database itself refuses UPDATE and DELETE on the events table.

TRUNCATE is left to the database owner (the test runner uses it to reset the test
database between tests); application code never truncates.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION eventstore_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER eventstore_event_immutable
    BEFORE UPDATE OR DELETE ON eventstore_event
    FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS eventstore_event_immutable ON eventstore_event;
DROP FUNCTION IF EXISTS eventstore_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
