# syntax=docker/dockerfile:1
# ProfTicket container image: `docker build -t proftiket:0.2 .` (see docker-compose.yml).
# No Docker engine runs on the development machines: scripts/image-check mirrors these
# steps and runs in CI, so change both together.

# --- Builder: the production dependencies from the lock, in a venv ---
FROM python:3.12-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
# --require-hashes: every file pip downloads must match a hash in the lock (`make lock`).
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock

# --- Runtime ---
FROM python:3.12-slim
# Keep in step with proftiket/__init__.py (scripts/image-check verifies it).
ARG VERSION=0.2
LABEL org.opencontainers.image.title="ProfTicket" \
      org.opencontainers.image.description="ProfTicket: a technical-support service desk for business customers" \
      org.opencontainers.image.version="${VERSION}"

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=proftiket.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    CONN_MAX_AGE=60 \
    PORT=8000

RUN groupadd --system --gid 10001 proftiket \
 && useradd --system --uid 10001 --gid proftiket --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin proftiket

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The code stays owned by root (read-only for the app); .dockerignore keeps tests, .venv, var,
# .git and caches out. Compiled translations (locale/ru/LC_MESSAGES/django.mo) are committed.
COPY . /app

# Static files with the hashed names of the manifest storage (the SECRET_KEY here is a
# throwaway for this one command: it is not stored in the image), then the bytecode, which
# the app user could not write at run time.
RUN SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --noinput \
 && python -m compileall -q /app \
 && mkdir -p /app/var /data/media \
 && chown proftiket:proftiket /app/var /data/media

USER proftiket
# Attachments (MEDIA_ROOT) live on this volume unless S3_BUCKET is set.
VOLUME /data
EXPOSE 8000
# GET /healthz (200 when the database answers), with python's urllib: no curl in slim.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["/app/scripts/entrypoint", "healthcheck"]
ENTRYPOINT ["/app/scripts/entrypoint"]
CMD ["web"]
