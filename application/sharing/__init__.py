"""Shared links: publish a snapshot of a conversation, re-publish it, retract it."""
