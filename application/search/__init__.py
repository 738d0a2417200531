"""Search: one port, three backends (infrastructure/search/), the caller's readable scope."""
