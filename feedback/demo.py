DEMO_STEPS: list = []
