"""A scratch flow that exists only in the test settings: one model, one viewset, one rule,
one event type, one sidebar entry, one page and one subscriber, plugged in the way every flow
plugs in (``apps.py``), with no core file naming it. ``tests/test_plugins.py`` proves it."""
