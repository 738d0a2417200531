"""The admin surface's use cases that span contexts: the audit log."""
