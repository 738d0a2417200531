"""Billing: LibreChat's pricing as pure functions, and the LedgerAccount that records credit."""
