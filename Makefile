# The two commands of README.md:  make release  and  make test.
GO       ?= go
PKGS     ?= ./...
TIMEOUT  ?= 80m

.PHONY: release test test-short deps bench bench-compare fuzz build

build:
	$(GO) build -o repoctl ./cmd/repoctl

# The main job on the embedded default: local state in ./.repoctl, a generated
# development key, the repository published to ./.repoctl/public.
release: deps
	$(GO) run ./cmd/repoctl release

# Every test, against real components (S3 server, Debian archive, debootstrap'd
# fleet host); installs what they need first.
test: deps
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout $(TIMEOUT) $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

deps:
	./scripts/install-deps

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./repo/... ./publish/...

# repoctl against aptly v1.6.3's CLI on the same S3 server, directly and
# with 30 ms per request; writes bench/results/<date>.md (docs/benchmarks.md).
bench-compare:
	bench/run

# Each fuzz target for 60 s (the recipe parser and the .deb control parser).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 60s ./build/recipe/
	$(GO) test -run '^$$' -fuzz FuzzControl -fuzztime 60s ./repo/
