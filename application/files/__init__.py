"""Files: uploads checked against `fileConfig`, their bytes in a storage strategy, their
metadata as events."""
