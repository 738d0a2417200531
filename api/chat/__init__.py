"""LibreChat's resumable generation protocol (v2): start, stream, abort, status, active."""
