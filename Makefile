# Thin wrapper around CMake. `make demo` and `make test` install what they need first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
PACKAGES   := cmake make gcc clang lld pkg-config python3 uthash-dev libcriterion-dev \
              liblz4-dev libxxhash-dev libelf-dev libjansson-dev libinih-dev gnuplot-nox valgrind \
              parallel python3-jsonschema munge slurmctld slurmd slurm-client \
              qemu-system-mips cpio

.PHONY: all deps build build-asan test test-release test-asan demo bench results baseline clean linux linux-results nested-results memory-results

all: build

# Installs the Debian packages that are missing (as root, or through sudo).
deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DTLBVISOR_SANITIZE=ON >/dev/null
	cmake --build $(BUILD_ASAN) -j $(JOBS)

# Everything: unit tests, bare-metal programs on both MMUs, the differential test against
# QEMU, CLI error handling; then the same suite built with AddressSanitizer and UBSan.
test: test-release test-asan

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Boots the guest kernel with a few workloads on both MMU personalities, then the three as
# guests of the VMM side by side (the demo suite, bench/suites/demo.ini), and prints the
# report's tables.
demo: build
	$(BUILD)/cli/tlbvisor bench --suite demo --out $(BUILD)/demo --jobs $(JOBS)
	@sed -n '1p;/^## /,/^## Plots/{/^## Plots/d;p}' $(BUILD)/demo/report.md

# Emulation speed against QEMU (the speed suite; docs/performance.md).
bench: build
	$(BUILD)/cli/tlbvisor bench --suite speed --out $(BUILD)/speed
	@sed -n '1p;/^## /,/^## Plots/{/^## Plots/d;p}' $(BUILD)/speed/report.md

# bench/baseline/: the CI gate's baselines from this build (docs/benchmarking.md, "Updating
# the baseline": say in the commit why the figures moved).
baseline: build
	bash tests/e2e/bench_quick.sh $(BUILD) --update

# docs/results.md and docs/plots/: the report of the paper suite (docs/benchmarking.md).
results: build
	$(BUILD)/cli/tlbvisor bench --suite paper --out $(BUILD)/paper --jobs $(JOBS)
	cp $(BUILD)/paper/report.md docs/results.md
	rm -rf docs/plots && mkdir -p docs/plots
	cp $(BUILD)/paper/plots/*.png $(BUILD)/paper/plots/*.svg docs/plots/

# docs/linux-results.md and docs/plots-linux/: the report of the linux suite (docs/linux.md).
linux-results: build linux
	$(BUILD)/cli/tlbvisor bench --suite linux --out $(BUILD)/linux-bench --jobs $(JOBS)
	sed 's#(plots/#(plots-linux/#' $(BUILD)/linux-bench/report.md > docs/linux-results.md
	rm -rf docs/plots-linux && mkdir -p docs/plots-linux
	cp $(BUILD)/linux-bench/plots/*.png $(BUILD)/linux-bench/plots/*.svg docs/plots-linux/

# docs/nested-results.md and docs/plots-nested/: the report of the nested suite (docs/nested.md).
nested-results: build
	$(BUILD)/cli/tlbvisor bench --suite nested --out $(BUILD)/nested-bench --jobs $(JOBS)
	sed 's#(plots/#(plots-nested/#' $(BUILD)/nested-bench/report.md > docs/nested-results.md
	rm -rf docs/plots-nested && mkdir -p docs/plots-nested
	cp $(BUILD)/nested-bench/plots/*.png $(BUILD)/nested-bench/plots/*.svg docs/plots-nested/

# docs/memory-results.md: the report of the memory suite (docs/memory.md).
memory-results: build
	$(BUILD)/cli/tlbvisor bench --suite memory --out $(BUILD)/memory --jobs $(JOBS)
	cp $(BUILD)/memory/report.md docs/memory-results.md

# Debian's Linux for Malta and a busybox initramfs with the workloads (docs/linux.md):
# $(BUILD)/linux/vmlinuz and $(BUILD)/linux/initrd.gz. Downloads once into ~/.cache/tlbvisor.
linux: build
	bash guest/linux/build.sh $(BUILD)/linux

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
