"""Services: the only write path. Each loads a stream, decides, appends, and logs access."""
