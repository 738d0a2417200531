"""Sharing and permissions: the services every context checks access through."""
