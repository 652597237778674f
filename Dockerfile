# One image for every process of a deployment: web (gunicorn), worker and beat (celery).
# docker-compose.yml shows how they are wired; configuration comes from the environment
# (see the README's configuration table).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home app

WORKDIR /app

# Dependencies first (pinned in pyproject.toml), so code changes reuse this layer.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Translations are compiled, static files collected and compressed at build time. The
# secret exists only for this step: the running containers get theirs from the environment.
RUN if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
        pybabel compile --domain django --directory locale; \
    fi \
    && DEBUG=false SECRET_KEY=build-time-only-not-a-secret \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media \
    && chown -R app:app /app/media

USER app

EXPOSE 8000

CMD ["gunicorn", "collab_hub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
