"""Settings for the test suite: the real settings, with what only tests need on top."""

from collab_hub.settings import *  # noqa: F403
from collab_hub.settings import BASE_DIR, DATABASES

# --- Speed (`make test` runs after every change) ---------------------------------------------
# Hashing passwords properly takes ~100 ms; tests need no protection.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _schema_digest() -> str:
    """Changes whenever a migration or a pinned dependency (pyproject.toml) does."""
    import hashlib

    digest = hashlib.sha256((BASE_DIR / "pyproject.toml").read_bytes())
    for pattern in ("*/migrations/*.py", "*/*/migrations/*.py"):
        for path in sorted(BASE_DIR.glob(pattern)):
            digest.update(str(path.relative_to(BASE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


_HELD_LOCKS: list = []  # open for as long as this process lives


def _reusable_test_database() -> str:
    """A file that --reuse-db (addopts) keeps between runs, or "" (in memory) while another run
    in this checkout holds it: two runs writing one SQLite file would lock each other out."""
    import fcntl
    import os

    name = BASE_DIR / ".pytest_cache" / f"test-db-{_schema_digest()}.sqlite3"
    name.parent.mkdir(exist_ok=True)
    # pytest-django appends the xdist worker id to the name; each worker locks its own file.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    lock = open(f"{name}_{worker}.lock" if worker else f"{name}.lock", "w")  # noqa: SIM115
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return ""
    _HELD_LOCKS.append(lock)
    return str(name)


# On SQLite a reused file saves every run, and every xdist worker, migrating a new in-memory
# database (~2 s). A changed migration changes the name, so nobody has to remember --create-db;
# `make clean` deletes the old files.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": _reusable_test_database()}
# --- End of the speed settings -----------------------------------------------------------------

# --- A scratch flow, plugged in the way every flow plugs in (tests/test_plugins.py) ---------
# INSTALLED_APPS and the URL include are the only two places a new app is named.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.scratch_app"]  # noqa: F405
ROOT_URLCONF = "tests.urls"

# Uploads made by tests (the isolation harness's files, tests without their own tmp_path) stay
# out of the checkout's media/.
MEDIA_ROOT = BASE_DIR / ".pytest_cache" / "media"
