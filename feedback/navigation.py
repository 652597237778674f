NAVIGATION: list = []
