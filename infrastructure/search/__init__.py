"""Search backends: SQLite FTS5, PostgreSQL full-text, Meilisearch (application/search/ports.py)."""
