"""Conversations: a user's chats, each owning its message tree, title, settings and tags."""
