"""Settings for the test suite: the real settings, with what only tests need on top."""

from collab_hub.settings import *  # noqa: F403

# Hashing passwords properly takes ~100 ms; tests need no protection.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- A scratch flow, plugged in the way every flow plugs in (tests/test_plugins.py) ---------
# INSTALLED_APPS and the URL include are the only two places a new app is named.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.scratch_app"]  # noqa: F405
ROOT_URLCONF = "tests.urls"
