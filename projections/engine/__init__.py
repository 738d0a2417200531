"""The projection engine: versioned read-model tables, exactly-once catch-up, rebuilds."""
