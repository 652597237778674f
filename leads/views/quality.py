"""Browser pages: quality (placeholder until built)."""

urlpatterns: list = []
