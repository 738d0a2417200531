"""The admin surface: LibreChat's /api/admin/* routes."""
