"""The memories read model and its queries."""
