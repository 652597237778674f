PANELS: list = []
SLOTS: dict = {}
