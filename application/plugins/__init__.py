"""The plugin hooks: how fork-specific code in custom/ reaches the core (docs/architecture.md)."""
