"""On PostgreSQL the database itself refuses UPDATE and DELETE on the events table."""

from django.db import migrations

from clinic.eventstore.append_only import operations

forwards, backwards = operations("eventstore_event", "events are immutable")


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
