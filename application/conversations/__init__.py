"""Conversation and message use cases."""
