# One static meshlint binary on distroless: the same image serves the admission webhook
# (`meshlint webhook`) and lints manifests in CI (`docker run ... /manifests`).
#
#   docker build --build-arg VERSION=v0.1.0 --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t ghcr.io/meshlint/meshlint:v0.1.0 .
#
# test/build runs the `go build` below, read from this file, so the flags cannot drift.

# Kept equal to the go directive of go.mod (test/build checks it).
ARG GO_VERSION=1.26.8

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=$VERSION -X main.commit=$COMMIT -X main.date=$DATE" -o /out/meshlint ./cmd/meshlint

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/meshlint /meshlint
USER 65532:65532
ENTRYPOINT ["/meshlint"]
