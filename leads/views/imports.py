"""Browser pages: imports (placeholder until built)."""

urlpatterns: list = []
