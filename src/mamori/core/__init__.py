"""Settings, ids, clock, the root of the error tree and logging."""
