"""LibreChat's files, images, avatar and speech routes."""
