# syntax=docker/dockerfile:1
#
# citebot as a container: a static binary on a distroless base, run as a
# non-root user, keeping its data (question log, embedding cache, uploaded
# corpus) in the /data volume.
#
#   docker build -t citebot .
#   docker run -p 127.0.0.1:8080:8080 -v citebot-data:/data citebot           # web page, /metrics, /admin
#   docker run -e DISCORD_TOKEN -v citebot-data:/data citebot discord          # Discord, web beside it
#
# compose.yaml runs it with an optional Ollama and Postgres.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first: a change to the code does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
# The whole context, .git included: the toolchain stamps the commit into
# the binary for `citebot version` (see .dockerignore); -buildvcs=auto
# overrides a GOFLAGS that turns it off.
COPY . .
# CGO off: the SQLite driver is pure Go, so the binary is static and needs
# no libc in the image.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=auto -ldflags="-s -w" -o /out/citebot ./cmd/citebot \
 && /out/citebot version \
 && mkdir -p /out/data

# distroless/static: CA certificates (for OpenAI and Discord), time zones,
# and a nonroot user (65532); no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/citebot /citebot
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV CITEBOT_DATA_DIR=/data \
    CITEBOT_HTTP_ADDR=0.0.0.0:8080 \
    CITEBOT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
# No curl in the image: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["/citebot", "healthcheck"]
ENTRYPOINT ["/citebot"]
CMD ["serve"]
