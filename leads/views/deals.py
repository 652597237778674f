"""Browser pages: deals (placeholder until built)."""

urlpatterns: list = []
