"""Browser pages of the sales ↔ customer-success flow (thin: forms, services, selectors)."""
