"""Forms of the feedback pages."""
