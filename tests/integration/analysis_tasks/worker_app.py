"""The project's Celery app, configured from the environment for a test's worker process.

``celery -A tests.integration.analysis_tasks.worker_app worker`` runs the real tasks against
the test database; the queue name keeps concurrent test runs sharing one Redis apart, and a
short visibility timeout lets a restarted worker take over the message of a killed one quickly
(the Redis transport redelivers an unacknowledged message only after that timeout).
"""

from __future__ import annotations

import os

from clinic.config.celery import app

app.conf.task_default_queue = os.environ["CLINIC_TEST_QUEUE"]
visibility_s = float(os.environ.get("CLINIC_TEST_VISIBILITY_S", "3600"))
app.conf.broker_transport_options = {
    "visibility_timeout": visibility_s,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

__all__ = ["app"]
