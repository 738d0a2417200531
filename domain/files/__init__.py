"""Files: what a user uploaded (metadata as events; the bytes live in a storage strategy)."""
