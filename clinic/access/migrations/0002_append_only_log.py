"""On PostgreSQL the access log refuses UPDATE and DELETE: it is append-only."""

from django.db import migrations

from clinic.eventstore.append_only import operations

forwards, backwards = operations("access_log", "the access log is append-only")


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
