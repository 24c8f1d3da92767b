# SPDX-License-Identifier: BSD-3-Clause
#
#   make demo    set up the machine, build, run two dpdk-testpmd processes
#                exchanging traffic over net_ism and print a summary table
#   make demo-lib  the same without DPDK: an SMC-D style stream on lib/ism
#   make test    set up, build and run every default test suite: host,
#                ASan/UBSan (unit and bus), s390x (big-endian, under
#                qemu-user), and short libFuzzer runs; ends with
#                "N passed, N failed"
#   make check   host test suites only (after a build)
#   make perf    net_ism against net_memif and memcpy, interleaved pairs and
#                instruction counts: doc/guides/perf/results.{json,png,rst}
#   make perf-smoke  each ism-perf mode for a moment (suite perf)
#   make doc     HTML guides, API reference and man pages in $(BUILD)/doc
#                (warnings are errors); make test counts it as tests
#
# MESON_ARGS adds meson options to every configuration (CI: -Dwerror=true).

BUILD ?= build
MESON_ARGS ?=
MESON_TEST = meson test --print-errorlogs --num-processes 2

.PHONY: all setup build demo demo-lib check test test-host test-asan test-s390x \
	test-fuzz perf perf-smoke clean

all: build

setup:
	@bash devtools/setup.sh

build: setup
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) $(MESON_ARGS)
	ninja -C $(BUILD)

demo: build
	/usr/bin/python3 devtools/demo.py --plugins $(BUILD)/drivers

demo-lib: build
	$(BUILD)/examples/smcd_stream/smcd_stream

check: build
	$(MESON_TEST) -C $(BUILD) --no-suite perf

test-host: check

perf-smoke: build
	$(MESON_TEST) -C $(BUILD) --suite perf

# the chart needs matplotlib and the instruction counts valgrind, which
# nothing else does; PERF_ARGS: e.g. --pairs 9 --seconds 2 (see --help)
perf: build
	@/usr/bin/python3 -c 'import matplotlib' 2>/dev/null && command -v valgrind >/dev/null || \
		apt-get install -y -qq python3-matplotlib valgrind >/dev/null
	/usr/bin/python3 devtools/perf_compare.py --build $(BUILD) \
		--out doc/guides/perf $(PERF_ARGS)

test-asan: setup
	@[ -f build-asan/build.ninja ] || meson setup build-asan \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug -Ddpdk=disabled $(MESON_ARGS)
	ninja -C build-asan
	$(MESON_TEST) -C build-asan --suite unit

test-s390x: setup
	@[ -f build-s390x/build.ninja ] || meson setup build-s390x \
		--cross-file config/s390x-linux-gnu.ini -Ddpdk=disabled $(MESON_ARGS)
	ninja -C build-s390x
	$(MESON_TEST) -C build-s390x --suite unit --suite vfio --suite perf_lib --timeout-multiplier 4

# libFuzzer targets (clang), each run for a short fixed time. Warnings are
# not errors here: clang warns about other things than the gcc builds do.
test-fuzz: setup
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz \
		-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug
	ninja -C build-fuzz
	$(MESON_TEST) -C build-fuzz --suite fuzz

# Run them all even if one fails, then count every test of every build.
test:
	@rc=0; \
	$(MAKE) --no-print-directory test-host || rc=1; \
	$(MAKE) --no-print-directory test-doc || rc=1; \
	$(MAKE) --no-print-directory test-asan || rc=1; \
	$(MAKE) --no-print-directory test-s390x || rc=1; \
	$(MAKE) --no-print-directory test-bus-asan || rc=1; \
	$(MAKE) --no-print-directory test-fuzz || rc=1; \
	/usr/bin/python3 devtools/test_summary.py $(BUILD) $(DOC_OUT) build-asan \
		build-s390x $(BUS_ASAN) build-fuzz || rc=1; \
	exit $$rc

# --- vfio_ism bus (drivers/bus/vfio_ism) targets ---
#   make test-bus        the bus suite (emulated ism_vfio_pci) on $(BUILD)
#   make test-bus-asan   the bus suite built with ASan/UBSan; LeakSanitizer
#                        fails a test that leaks (100 hotplug cycles
#                        included); only the bus targets are built, and
#                        the tests of suite asan (pmd's zero_copy: mbufs
#                        that outlive their port; rx_bulk: mbufs given
#                        back to the pool) run there too
BUS_ASAN ?= build-bus-asan
BUS_TEST_TARGETS = $(addprefix test/bus/test_bus_,scan lib store hotplug vanish) \
	test/pmd/test_zero_copy test/pmd/test_rx_bulk

.PHONY: test-bus test-bus-asan

test-bus: build
	$(MESON_TEST) -C $(BUILD) --suite bus

test-bus-asan: setup
	@[ -f $(BUS_ASAN)/build.ninja ] || meson setup $(BUS_ASAN) \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug $(MESON_ARGS)
	ninja -C $(BUS_ASAN) $(BUS_TEST_TARGETS)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(MESON_TEST) -C $(BUS_ASAN) --suite bus --suite asan --no-rebuild
# --- end of vfio_ism bus targets ---

# --- documentation (doc/) ---
#   make doc       devtools/build_doc.py: Doxygen API reference, the
#                  guides in HTML (index.html), the man pages, under
#                  $(DOC_OUT); never in the source tree
#   make test-doc  the same, each step one test result in
#                  $(DOC_OUT)/meson-logs/testlog.json, where
#                  devtools/test_summary.py reads the results of a build
DOC_OUT = $(BUILD)/doc

.PHONY: doc test-doc

doc: setup
	/usr/bin/python3 devtools/build_doc.py --out $(DOC_OUT)

test-doc: setup
	/usr/bin/python3 devtools/build_doc.py --out $(DOC_OUT) \
		--results $(DOC_OUT)/meson-logs/testlog.json
# --- end of documentation targets ---

clean:
	rm -rf $(BUILD) build-asan build-s390x build-fuzz $(BUS_ASAN)
