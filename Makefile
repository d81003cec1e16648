# The two commands a newcomer needs: `make run` and `make test`. Both install missing Debian packages.
.PHONY: deps run build test check-code fuzz bench soak interop interop-envoy clean format install

# `make run` serves the example Envoy rules too; override with ARGS="...".
ARGS ?= --config deploy/examples/ratelimit.yaml

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target sluice

run: build
	./build/release/src/server/sluice $(ARGS)

# `make test` (CI): the asan build and its tests, the code checks (clang thread-safety analysis,
# clang-tidy on changed files), each fuzz target for $(CI_FUZZ_SECONDS) s, and the quick interop.
CI_FUZZ_SECONDS ?= 20
test: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan
	@bash scripts/check-code.sh build/asan
	@ctest --preset asan
	@FUZZ_SECONDS=$(CI_FUZZ_SECONDS) FUZZ_JOBS=2 $(MAKE) --no-print-directory fuzz
	@bash scripts/install-interop-deps.sh
	@bash interop/run.sh --quick --sluice build/asan/src/server/sluice

check-code: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan --target sluice_proto
	@bash scripts/check-code.sh build/asan

# `make fuzz`: every libFuzzer target (fuzz/README.md) for FUZZ_SECONDS each (default 60); a
# crash, leak, out-of-memory or timeout fails and leaves the input in build/fuzz/artifacts/.
FUZZ_SECONDS ?= 60
export FUZZ_SECONDS
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@bash scripts/fuzz.sh

# `make interop`: the real Gubernator v2.13.0 beside Sluice (interop/): its Go client, the
# differential fuzzer (FUZZ_REQUESTS=10000000 for ten million; FUZZ_SEED, FUZZ_STREAM) and the
# side-by-side clusters. Ends with `interop: N passed, M failed`.
export FUZZ_REQUESTS FUZZ_SEED FUZZ_STREAM
interop: deps
	@bash scripts/install-interop-deps.sh
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target sluice
	@bash interop/run.sh

# `make bench` runs the whole suite (~14 min after the build, the real Gubernator included; needs
# Go for it); BENCH_ARGS=--quick for ~4 min.
bench: deps
	@bash scripts/install-bench-deps.sh
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target bench_tools
	@bash bench/run.sh $(BENCH_ARGS)

# `make soak`: bench/soak.sh on the release build: a 3-node cluster under mixed gRPC, HTTP and
# Envoy load for 10 minutes, failing if RSS or open descriptors grow by more than 5 % after the
# first 20 %. SOAK_ARGS=--quick for 60 s (also `ctest --test-dir build/asan -L soak`; not in `make test`).
soak: build
	@bash bench/soak.sh $(SOAK_ARGS)

# `make interop-envoy`: Sluice against the real envoyproxy/ratelimit + Redis (installed from the Go
# module proxy by scripts/envoy-ratelimit.sh): rules files, 100,000 ShouldRateLimit calls, reload.
# Ends with "envoyref: N passed, M failed". INTEROP_ENVOY_ARGS="--seed 7" for another seed.
interop-envoy: build
	@bash scripts/envoy-ratelimit.sh install >/dev/null
	@cd interop && go run ./cmd/envoyref --root .. $(INTEROP_ENVOY_ARGS)

# `make install` (as root): the binary, the systemd unit and the `sluice` system user, plus
# /etc/sluice/rules with the example rules when absent. DESTDIR stages into a directory (packaging;
# the user is then only described, in sysusers.d). SLUICE_BIN installs an already built binary
# instead of building the release one.
PREFIX ?= /usr/local
SLUICE_BIN ?=
UNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
install:
	@if [ -z "$(SLUICE_BIN)" ]; then $(MAKE) --no-print-directory build; fi
	install -D -m 0755 $(or $(SLUICE_BIN),build/release/src/server/sluice) $(DESTDIR)$(PREFIX)/bin/sluice
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' deploy/systemd/sluice.service > $(DESTDIR)$(UNITDIR)/sluice.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/sluice.service
	install -m 0644 deploy/systemd/sluice.sysusers $(DESTDIR)$(SYSUSERSDIR)/sluice.conf
	install -d -m 0755 $(DESTDIR)/etc/sluice/rules
	@[ -e $(DESTDIR)/etc/sluice/rules/ratelimit.yaml ] || \
	  install -m 0644 deploy/examples/ratelimit.yaml $(DESTDIR)/etc/sluice/rules/ratelimit.yaml
	@if [ -z "$(DESTDIR)" ]; then \
	  if command -v systemd-sysusers >/dev/null; then systemd-sysusers $(SYSUSERSDIR)/sluice.conf; \
	  elif ! getent passwd sluice >/dev/null; then \
	    useradd --system --home-dir /var/lib/sluice --no-create-home --shell /usr/sbin/nologin sluice; fi; \
	  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	  echo "installed; start with: systemctl enable --now sluice"; \
	fi

clean:
	rm -rf build

format:
	@find src tests bench include -name '*.h' -o -name '*.cc' | xargs clang-format -i
