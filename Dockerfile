# One image for the web tier (gunicorn + whitenoise), Celery workers, beat and migrate.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=partnerhub.settings

WORKDIR /app

RUN groupadd --system partnerhub \
    && useradd --system --gid partnerhub --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin partnerhub

# Exact versions with their hashes; the binary psycopg wheel brings libpq.
COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt

COPY . .

# Static files are collected into the image (served by whitenoise). The secret is a
# build-time placeholder: settings refuse to start without one when DEBUG is off, and
# collectstatic signs nothing.
RUN SECRET_KEY=collectstatic-at-build-time-only DEBUG=false \
        python manage.py collectstatic --no-input -v 0 \
    && mkdir -p var/media \
    && chown -R partnerhub:partnerhub var

USER partnerhub

EXPOSE 8000

CMD ["gunicorn", "partnerhub.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--timeout", "30", \
     "--max-requests", "2000", "--max-requests-jitter", "200"]
