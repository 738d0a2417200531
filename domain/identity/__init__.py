"""Identity: users, their credentials and roles, login sessions."""
