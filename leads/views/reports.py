"""Browser pages: reports (placeholder until built)."""

urlpatterns: list = []
