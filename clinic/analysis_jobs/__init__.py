"""The analysis jobs: what a queued (offline) analysis of a stored video or landmark sequence runs.

Its configuration (:mod:`.config`), the checks an upload passes before it is stored
(:mod:`.upload_check`), the landmark-sequence file format (:mod:`.sequence`), the pure steps the
Celery task calls (:mod:`.steps`) and the mapping of their results to catalogue metrics
(:mod:`.metrics`). Named for what it holds rather than "offline", which said only that it is not
the live path. Nothing here imports Django, Celery or Channels (an import-linter contract).
"""

#: Version of the offline-analysis pipeline recorded with every result (bump when results change).
VERSION = "1"
