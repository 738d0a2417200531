"""The event store: msgspec mapper, per-subject encryption, hash-chained recorders."""
