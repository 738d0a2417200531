"""Shared links: a read-only, anonymised view of a conversation as of a snapshot."""
