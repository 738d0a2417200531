"""Agents: their commands, their ACL, and the tool loop a chat with one runs."""
