"""Billing read models."""
