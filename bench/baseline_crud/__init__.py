"""The CRUD baseline of scenarios 2 and 3: what a user would build without Chronicle."""
