"""Offline analysis of a stored video or landmark sequence: configuration, the landmark-sequence
file format, the pure analysis steps the Celery tasks call, and the mapping of their results to
catalogue metrics. Nothing here imports Django, Celery or Channels.
"""

#: Version of the offline-analysis pipeline recorded with every result (bump when results change).
VERSION = "1"
