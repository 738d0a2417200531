"""/api/share: LibreChat's shared links."""
