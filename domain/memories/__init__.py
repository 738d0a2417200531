"""Memories: what a user asked the assistant to remember, added to the model's context."""
