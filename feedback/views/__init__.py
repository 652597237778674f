"""Browser pages of cross-department feedback (thin: forms, services, selectors)."""
