"""Agents: model configurations users build, version and share."""
