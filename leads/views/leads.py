"""Browser pages: leads (placeholder until built)."""

urlpatterns: list = []
