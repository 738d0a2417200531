"""Memories use cases: the user's entries, their preference, and the model's memory context."""
