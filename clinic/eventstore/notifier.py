"""Coalesced NOTIFY after appends, sent from a background thread.

Followers (``run_projections``) LISTEN for new events. Sending NOTIFY inside each append
would serialise commits (PostgreSQL holds a global lock while a notifying transaction
commits) and cost every writer a round trip. Instead an append only raises a flag; one
thread per process sends a single NOTIFY for however many appends happened meanwhile.
Followers also poll, so a lost notification delays them by at most one poll interval.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

# At most one notification per this many seconds per process: followers learn of new
# events within it, and a busy process does not spend its time notifying.
COALESCE_S = 0.02


class Notifier:
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._params: dict[str, Any] = {}
        self._stopping = False
        self._thread: threading.Thread | None = None

    def notify_soon(self, connection_params: dict[str, Any]) -> None:
        """Ask for one NOTIFY on the database these connection parameters point at."""
        with self._lock:
            if self._pid != os.getpid():  # first use in this process (also after a fork)
                self._pid = os.getpid()
                self._wake = threading.Event()
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="eventstore-notifier", daemon=True)
                self._thread.start()
            self._params = connection_params
        self._wake.set()

    def stop(self) -> None:
        """Close the notifier's connection and end its thread (before dropping a database)."""
        with self._lock:
            thread, self._thread, self._pid = self._thread, None, None
            self._stopping = True
            self._wake.set()
        if thread is not None:
            thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        conn = None
        wake = self._wake
        while True:
            wake.wait()
            wake.clear()
            if self._stopping:
                if conn is not None:
                    conn.close()
                return
            try:
                if conn is None or conn.closed or conn.info.dbname != self._params.get("dbname"):
                    if conn is not None:
                        conn.close()
                    conn = psycopg.connect(**self._params, autocommit=True)
                conn.execute("SELECT pg_notify(%s, '')", [self.channel])
                # Appends during this pause are covered by the next single notification.
                time.sleep(COALESCE_S)
            except Exception:  # the followers' poll covers a missed notification
                log.warning("could not send the event store notification", exc_info=True)
                conn = None
