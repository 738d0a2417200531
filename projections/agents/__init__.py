"""The agents read model."""
