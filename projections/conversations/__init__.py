"""Conversation read models: the per-user chat list with tags, and the transcripts."""
