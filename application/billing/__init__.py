"""Billing: the ledger accounts' commands (start balance, admin credit) and their settings."""
