"""Conversation, message and tag routes (LibreChat's /api/convos, /api/messages, /api/tags)."""
