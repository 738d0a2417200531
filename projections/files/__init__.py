"""The files read model: a user's files in LibreChat's file shape."""
