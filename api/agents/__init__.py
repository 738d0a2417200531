"""LibreChat's /api/agents routes."""
