"""Forms of the handoffs pages."""
