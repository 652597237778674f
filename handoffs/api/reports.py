"""The flow's reports in the API (surprise rate, upsell conversion)."""

ROUTES: list = []
URLS: list = []
