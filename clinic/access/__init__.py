"""Who may see what, the hash-chained access log, and per-patient encryption keys."""
