# meshlint's build and test entry points. `make test` is what CI runs
# (.ci/run) and what the README tells a newcomer to type.

SHELL := /bin/bash
GO    ?= go

# kube-apiserver and etcd for the e2e suite, built once from the Go module
# proxy (test/k8s pins the versions) into this git-ignored folder.
K8S_BIN := $(CURDIR)/.cache/bin
# A KUBEBUILDER_ASSETS that already holds both binaries is used as it is;
# otherwise they are built here.
ifeq ($(and $(wildcard $(KUBEBUILDER_ASSETS)/kube-apiserver),$(wildcard $(KUBEBUILDER_ASSETS)/etcd)),)
export KUBEBUILDER_ASSETS := $(K8S_BIN)
BINARIES := $(K8S_BIN)/kube-apiserver $(K8S_BIN)/etcd
else
export KUBEBUILDER_ASSETS
BINARIES :=
endif

# How long each fuzz target runs in `make test`, counted in executions so
# that a busy machine makes the run slower, never flaky: a wall-clock
# -fuzztime races Go's fuzzing coordinator ("context deadline exceeded"
# with no failing input) when the deadline falls while a worker is still
# busy. Raise it for a longer hunt: make fuzz FUZZTIME=2000000x, or a
# duration such as FUZZTIME=10m at a desk.
FUZZTIME ?= 20000x
# Minimizing an input that found new coverage is capped by executions too;
# Go's default (60 s of wall clock) outlasts the whole short run.
FUZZMINIMIZE ?= 2000x
FUZZFLAGS = -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)

.PHONY: test unit e2e fuzz vet bench binaries build examples clean

test: binaries vet unit

binaries: $(BINARIES)
	@echo "kube-apiserver and etcd for the e2e suite: $(KUBEBUILDER_ASSETS)"

$(K8S_BIN)/kube-apiserver: test/k8s/go.mod test/k8s/go.sum
	@echo "building kube-apiserver into $(K8S_BIN) (once; several minutes on a fresh machine)"
	cd test/k8s && CGO_ENABLED=0 $(GO) build -o $@ k8s.io/kubernetes/cmd/kube-apiserver

$(K8S_BIN)/etcd: test/k8s/go.mod test/k8s/go.sum test/k8s/etcd/main.go
	@echo "building etcd into $(K8S_BIN)"
	cd test/k8s && CGO_ENABLED=0 $(GO) build -o $@ ./etcd

vet:
	$(GO) vet ./...
	@echo "staticcheck (pinned in go.mod's tool directive)"
	$(GO) tool staticcheck ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

# Every package, the e2e suite against a real kube-apiserver and etcd included.
unit: binaries
	$(GO) test -count=1 -timeout 30m ./...

e2e: binaries
	$(GO) test -count=1 -timeout 30m -v ./test/e2e/

# Short coverage-guided runs of the fuzz targets: a hunt for new inputs, not
# a gate, so `make test` (and CI) leaves it out. Their seed corpora, and every
# failing input a hunt has found (testdata/fuzz/), run as ordinary tests in
# `unit`, so a bug once found stays fixed.
fuzz:
	$(GO) test $(FUZZFLAGS) -fuzz '^FuzzLoad$$' ./lint/load
	$(GO) test $(FUZZFLAGS) -fuzz '^FuzzFastParse$$' ./lint/load
	$(GO) test $(FUZZFLAGS) -fuzz '^FuzzJSON$$' ./lint/load
	$(GO) test $(FUZZFLAGS) -fuzz '^FuzzHandler$$' ./webhook

bench:
	$(GO) test -run '^$$' -bench 'Lint(1k|10k|100k)$$' -benchmem -count 3 ./lint/checks
	$(GO) test -run '^$$' -bench . -benchmem ./webhook

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/meshlint ./cmd/meshlint

examples:
	$(GO) run ./cmd/meshlint examples/ || [ $$? -eq 1 ]

clean:
	rm -rf .cache bin
