ROUTES: list = []
URLS: list = []
