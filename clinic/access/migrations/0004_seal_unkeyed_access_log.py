"""Start the keyed chain: sign the head of the rows written before it was keyed.

Rows from before ACCESS_LOG_KEY carry plain SHA-256 hashes. Rehashing them with the key
would launder whatever was done to them, so they stay as they are and a signed
checkpoint outside the database (clinic/access/anchor.py) records where they end
(``legacy_until``) and their head hash. Verification checks them with the old scheme up
to there and requires the key from the next row on, so no later row can pass as old.
"""

from django.db import migrations

from clinic.access import anchor


def forwards(apps, schema_editor):
    entries = apps.get_model("access", "AccessLogEntry").objects.using(schema_editor.connection.alias)
    last = entries.order_by("-seq").values_list("seq", "entry_hash").first()
    if last is not None:
        anchor.seal_legacy_segment(seq=last[0], head=last[1])


class Migration(migrations.Migration):
    dependencies = [("access", "0003_access_log_client_request_id")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
