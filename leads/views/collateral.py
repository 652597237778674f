"""Browser pages: collateral (placeholder until built)."""

urlpatterns: list = []
