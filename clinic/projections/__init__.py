"""Read models built from events, each with a checkpoint committed with its changes."""
