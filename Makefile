# Thin wrapper around CMake. `make demo` and `make test` install what they need first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
PACKAGES   := cmake make gcc clang lld pkg-config python3 uthash-dev libcriterion-dev \
              liblz4-dev libxxhash-dev libelf-dev libjansson-dev qemu-system-mips

.PHONY: all deps build build-asan test test-release test-asan demo bench clean

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

# Boots the guest kernel with a few workloads on both MMU personalities and prints the
# kernel's and the machine's counters side by side.
demo: build
	bash bench/demo.sh $(BUILD)

bench: build
	bash bench/speed.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
