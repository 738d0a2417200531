"""Identity routes: LibreChat's /api/auth/*, /api/user and /api/roles."""
