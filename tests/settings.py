"""Settings for the test suite: the real settings, with what only tests need on top."""

from collab_hub.settings import *  # noqa: F403

# Hashing passwords properly takes ~100 ms; tests need no protection.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
