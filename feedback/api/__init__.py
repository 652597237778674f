"""Cross-department feedback's API (DESIGN §4), mounted by ``FeedbackConfig``."""

ROUTES: list = []
URLS: list = []
