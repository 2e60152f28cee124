# greentag as an HTTP service: docker build -t greentag . && docker run --rm -p 8000:8000 greentag
# Settings come from GREENTAG_* variables (docs/serve.md), for example
#   docker run -p 8000:8000 -v "$PWD/models:/models:ro" -e GREENTAG_MODEL=/models/my.gtm -e GREENTAG_WORKERS=2 greentag
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Only what the package build needs: the code, the shipped model and the seed corpus it carries.
COPY setup.py pyproject.toml README.md ./
COPY greentag ./greentag
COPY models ./models
COPY seeds ./seeds
RUN pip install ".[serve]" && rm -rf /src

RUN useradd --create-home --uid 10001 greentag
USER greentag
WORKDIR /home/greentag

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"

# Exec form: greentag runs as PID 1 and gets SIGTERM (stop) and SIGHUP (reload the model) directly.
CMD ["greentag", "serve", "--host", "0.0.0.0", "--port", "8000"]
