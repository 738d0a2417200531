"""What every context's application service shares: the event store, commit hooks, retries."""
