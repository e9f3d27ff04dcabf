# gateway-medic. `make test` is the test command; it installs the C libraries it needs first.
SWIFT ?= swift
SYSTEM_PACKAGES := libcurl4-openssl-dev libyaml-dev zlib1g-dev
TEST_PACKAGES := prometheus prometheus-alertmanager openssl
RELEASE_FLAGS := -c release --static-swift-stdlib

.PHONY: all build release test deps test-deps bench demo clean validate-manifests test-chart release-check fuzz install uninstall image test-image

all: build

# Installs the Debian packages in $(1) that are missing (CI starts from a clean machine and runs
# as root); elsewhere it says what to install and stops.
define install-missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "gateway-medic needs these system packages:$$missing"; echo "install them (e.g. sudo apt-get install$$missing) and run make again"; exit 1; \
	  fi; \
	fi
endef

# Makes sure the system libraries the build links are present.
deps:
	$(call install-missing,$(SYSTEM_PACKAGES))

# The real programs the tests run: promtool and Prometheus (`prometheus`), Alertmanager and amtool
# (`prometheus-alertmanager`), openssl (test certificates). kubectl comes with the machine image
# (Debian has no package of it). Under CI=true a test whose tool is missing fails, never skips.
test-deps:
	$(call install-missing,$(TEST_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product gateway-medic

# The e2e tests record the operator's API requests and the GatewayHealths it wrote; the RBAC
# manifests and the CRD schema are checked against them.
E2E_RECORD := .build/e2e-record

test: deps test-deps
	$(SWIFT) build --build-tests
	rm -rf $(E2E_RECORD) && mkdir -p $(E2E_RECORD)
	GATEWAY_MEDIC_E2E_RECORD=$(CURDIR)/$(E2E_RECORD) $(SWIFT) test --skip-build
	$(MAKE) fuzz
	./scripts/validate-manifests.sh
	E2E_RECORD=$(CURDIR)/$(E2E_RECORD) ./scripts/test-chart.sh
	.build-venv/bin/python scripts/check_e2e_record.py $(E2E_RECORD) manifests
	$(MAKE) release-check
	./scripts/test-image.sh

# The scripted story on an embedded API server and a simulated fabric (under a minute). A program
# of its own, gateway-medic-demo: the gateway-medic binary holds no API server. DEMO_ARGS passes
# options (e.g. --speed 4, --plain, --no-remediate).
DEMO_ARGS ?=
demo: deps
	$(SWIFT) build --product gateway-medic-demo
	$$($(SWIFT) build --show-bin-path)/gateway-medic-demo $(DEMO_ARGS)

clean:
	rm -rf .build

# Installs gateway-medic and its kubectl plugin name (`kubectl gateway-medic ...`: kubectl finds
# kubectl-gateway_medic on PATH) into $(DESTDIR)$(PREFIX)/bin. BIN picks an already built binary
# (default: the release build).
PREFIX ?= /usr/local
BINDIR = $(DESTDIR)$(PREFIX)/bin
BIN ?=
install:
	@bin="$(BIN)"; if [ -z "$$bin" ]; then $(MAKE) release && bin="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/gateway-medic"; fi; \
	mkdir -p "$(BINDIR)" && install -m 0755 "$$bin" "$(BINDIR)/gateway-medic" && \
	ln -sf gateway-medic "$(BINDIR)/kubectl-gateway_medic" && \
	echo "installed $(BINDIR)/gateway-medic and $(BINDIR)/kubectl-gateway_medic"

uninstall:
	rm -f "$(BINDIR)/gateway-medic" "$(BINDIR)/kubectl-gateway_medic"

# libFuzzer (with AddressSanitizer) on the watch decoder, YAML and the kubeconfig loader,
# FUZZ_SECONDS per target, from the committed seed corpora in Fuzz/corpus/; builds only the
# sources each harness needs. New inputs and crashes go to .build/fuzz/.
FUZZ_SECONDS ?= 20
fuzz: deps
	./scripts/fuzz.sh all $(FUZZ_SECONDS)

# Offline validation of manifests/ (kustomize renders, Kubernetes schemas, the GatewayHealth CRD
# schema and its samples, RBAC and pod policy). Creates .build-venv/ on first use.
validate-manifests:
	./scripts/validate-manifests.sh

# The Helm chart, with the real Helm engine (helm-sdkpy, Python >= 3.12, in .build-helm-venv/):
# lint per profile, values.schema.json refusing wrong values, an install of each profile into the
# API-server emulator (TLS, its own process) whose stored objects equal manifests/ (kustomize) and
# pass its policy checks; dry-run writes only its Lease. `make test` adds the RBAC check against
# the e2e record.
test-chart:
	./scripts/test-chart.sh

# Checks that the runtime image of the Dockerfile provides every shared library the release
# binary needs, and that the binary links no API server (nm: no emulator, simulator or demo
# symbols). Builds the release binary first.
release-check: release
	./scripts/check-runtime-libs.sh
	./scripts/check-no-emulator.sh

# The container image, built here without a registry or a Docker engine: buildah (`bud
# --isolation chroot`) from Debian's packages; the runtime base made with debootstrap when it
# cannot be pulled (cached in .build-image/); the release binary in the build stage when the Swift
# image cannot be pulled. Tags gateway-medic:<version> and prints its size. docs/install.md.
IMAGE_PACKAGES := buildah debootstrap
image: release
	$(call install-missing,$(IMAGE_PACKAGES))
	./scripts/image-build.sh

# The image's filesystem run as a pod runs it (read-only, uid 65532, service-account token and CA
# at the standard paths) in in-cluster mode against the emulator over TLS: it syncs and writes
# GatewayHealths. Makes the image first; needs root (skipped without, except under CI=true).
test-image:
	./scripts/test-image.sh

# Benchmark: the release-built operator against the in-process emulator and a simulated fabric
# at 10, 1,000 and 10,000 gateways (a few minutes). BENCH_ARGS=--quick for a smoke run.
BENCH_ARGS ?=
bench: deps
	nice -n 10 $(SWIFT) build -c release --product GatewayMedicBench
	"$$($(SWIFT) build -c release --show-bin-path)/GatewayMedicBench" $(BENCH_ARGS)
