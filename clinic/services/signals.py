"""What services announce to the adapters above them, without importing them.

``analysis_requested`` is sent after the transaction that appended an ``AnalysisRequested`` event
commits. The event log is the request; the signal only says "look now" (the dispatcher in
:mod:`clinic.dispatch` also finds the request without it, by following the store).
"""

from __future__ import annotations

from django.dispatch import Signal

analysis_requested = Signal()
