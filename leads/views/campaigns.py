"""Browser pages: campaigns (placeholder until built)."""

urlpatterns: list = []
