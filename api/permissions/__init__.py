"""LibreChat's /api/permissions routes and Chronicle's access audit route."""
