"""Append-only event store with optimistic concurrency, a global position and subscriptions.

Public interface: :mod:`clinic.eventstore.store` (``append``, ``read_stream``,
``read_all``, ``stream_version``) and :mod:`clinic.eventstore.upcasting`.
"""
