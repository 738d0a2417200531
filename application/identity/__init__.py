"""Identity use cases: register, log in, refresh, log out, profiles."""
