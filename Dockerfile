# syntax=docker/dockerfile:1
#
# horde's container image: the `horde` command, run as an unprivileged user.
#
#   docker build -t horde:0.1.0 .
#   docker run --rm -v "$PWD/locustfile.py:/home/horde/locustfile.py:ro" horde:0.1.0 \
#       --headless -u 10 -r 2 -t 1m -H http://target:8080
#
# The locustfile is mounted (or COPY'd by an image built FROM this one) at
# /home/horde/locustfile.py, the working directory, where `horde` finds it without -f.
# docs/deploy.md has master/worker, Compose and Kubernetes; tests/deploy checks this file.
#
# The base is pinned to a patch release. To pin it by digest as well, look the digest up
# where you build (`docker buildx imagetools inspect python:3.11.15-slim-trixie`) and pass
# --build-arg PYTHON_IMAGE=python:3.11.15-slim-trixie@sha256:<digest>.
ARG PYTHON_IMAGE=python:3.11.15-slim-trixie

# ---- build: the horde wheel, then a virtualenv with horde and its dependencies --------------
FROM ${PYTHON_IMAGE} AS build

# A C compiler for the dependencies that publish no wheel for every platform (hdrhistogram has
# none for arm64). It stays in this stage: the final image gets the finished virtualenv only.
# Debian's package versions are not pinned: a pinned version disappears from the archive at its
# next security update and the build breaks (hadolint DL3008 is ignored in .hadolint.yaml).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src/ src/

# The same command tests/deploy/test_deploy_wheel.py runs on the same files (see .dockerignore).
RUN pip wheel --no-deps --wheel-dir /wheels .

# Optional extras, e.g. --build-arg HORDE_EXTRAS=all (WebSocket, gRPC, PostgreSQL, MQTT users)
# or HORDE_EXTRAS=otel. The wheel is installed by its path, never by name from an index.
ARG HORDE_EXTRAS=""
RUN python -m venv /opt/horde \
    && set -- /wheels/horde-*.whl \
    && /opt/horde/bin/pip install "$1${HORDE_EXTRAS:+[$HORDE_EXTRAS]}" \
    && /opt/horde/bin/horde --version

# ---- final: Python, the virtualenv and an unprivileged user; no compiler, no build files ----
FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="horde" \
      org.opencontainers.image.description="Load testing in plain Python, Locust-compatible" \
      org.opencontainers.image.licenses="MIT"

# A numeric user: Kubernetes' runAsNonRoot can only verify a numeric USER (the manifests under
# deploy/kubernetes run as the same 10001).
RUN groupadd --system --gid 10001 horde \
    && useradd --system --uid 10001 --gid horde --home-dir /home/horde --create-home \
       --shell /usr/sbin/nologin horde

COPY --from=build /opt/horde /opt/horde

# HORDE_WEB_HOST: inside a container the web UI must listen beyond loopback for `-p` to reach
# it; the container's network is the boundary (publish it as -p 127.0.0.1:8089:8089).
# MPLCONFIGDIR: matplotlib (the --archive plots) needs a writable cache directory; /tmp stays
# writable when the root filesystem is read-only (a tmpfs or emptyDir there).
ENV PATH="/opt/horde/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    HORDE_WEB_HOST=0.0.0.0

WORKDIR /home/horde
USER 10001:10001

# 8089: the web UI. 5557: the master's port for workers (a master needs --master-bind-host
# 0.0.0.0 and a secret in HORDE_SECRET to listen there).
EXPOSE 8089 5557

# No image-wide health check: one image plays three roles (web UI master, headless master,
# worker) and only the first serves HTTP. The Compose file and the Kubernetes manifests give
# the web UI master its check.
HEALTHCHECK NONE

# No CMD: `docker run IMAGE` alone runs `horde`, which finds ./locustfile.py and serves the web
# UI; arguments after the image name are horde's options.
ENTRYPOINT ["horde"]
