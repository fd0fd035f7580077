"""The read models' state as one value, for keeping what was computed from them.

Every read model is written only by a projection, in the transaction that advances that
projection's checkpoint (:func:`clinic.projections.runner.process_batch`), and a rebuild resets the
checkpoints. So the checkpoints together name the read models' content: while they are unchanged,
anything computed from the read models alone is unchanged. :mod:`clinic.read_cache` keys on it.
"""

from __future__ import annotations

from clinic.projections.models import Checkpoint


def read_models_version() -> str:
    """Every projection's checkpoint, ``name:tx_id:position`` joined by ``;`` (one small query)."""
    rows = Checkpoint.objects.order_by("name").values_list("name", "tx_id", "global_position")
    return ";".join(f"{name}:{tx}:{position}" for name, tx, position in rows)
