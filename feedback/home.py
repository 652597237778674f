HOME_ITEMS: list = []
