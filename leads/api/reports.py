"""reports API (placeholder until built)."""

ROUTES: list = []
URLS: list = []
