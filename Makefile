# SPDX-License-Identifier: MIT
# stbsim: top-level entry points. The build itself is Meson (build/<flavour>/); this file
# installs what is missing, configures the build directories and names the jobs.
#
#   make            build (build/default, -Werror)
#   make run        the main job: the conformance suite against a local Kamailio, with a report
#   make check      build with ASan+UBSan (build/check) and run every test suite
#   make bench      all benchmarks (bench-channel, bench-media, ...), non-sanitized build
#   make coverage   tests with --coverage, gcovr summary + HTML in build/coverage/
#   make ims        start a Kamailio IMS core in the foreground (IMS_ARGS=...)
#   make fuzz       run every libFuzzer target FUZZ_SECONDS each (clang, build/fuzz)
#   IMS=container   make ims / make run with the IMS core in a podman container (root)
#   make clean      remove build/

BUILD_ROOT   ?= build
BUILDDIR     ?= $(BUILD_ROOT)/default
CHECKDIR     ?= $(BUILD_ROOT)/check
COVDIR       ?= $(BUILD_ROOT)/coverage
FUZZDIR      ?= $(BUILD_ROOT)/fuzz
# `make fuzz`: seconds per target, and which targets (default: all, see tests/fuzz/corpus/).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
MESON        ?= meson
JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
# Extra arguments for `meson test` in `make check`, e.g. TESTS="--suite qcop".
TESTS        ?=
# Extra arguments for the main job, e.g. RUN_ARGS="--dut voip='/opt/vendor/voip --qcop %s'".
RUN_ARGS     ?=
# Tests at a time in the main job (stbsim suite -j): auto = min(2 x CPUs - load average,
# memory / 256 MiB, 16), at least 1.
RUN_JOBS     ?= auto
# Where the IMS core runs for `make ims` and `make run`: local (Kamailio on loopback) or
# container (podman, sim/ims/container-image.sh; root).
IMS          ?= local

.PHONY: all deps run check bench bench-channel bench-media bench-switch baseline coverage clean format format-check ims fuzz

all: deps $(BUILDDIR)/build.ninja
	$(MESON) compile -C $(BUILDDIR)

deps:
	@sh ci/install-deps.sh --check >/dev/null 2>&1 || sh ci/install-deps.sh

$(BUILDDIR)/build.ninja: | deps
	$(MESON) setup $(BUILDDIR) --buildtype=debugoptimized

$(CHECKDIR)/build.ninja: | deps
	$(MESON) setup $(CHECKDIR) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

$(COVDIR)/build.ninja: | deps
	$(MESON) setup $(COVDIR) --buildtype=debug -Db_coverage=true

run: all
	STBSIM_IMS=$(IMS) STBSIM_JOBS=$(RUN_JOBS) sh ci/main-job.sh $(BUILDDIR) $(RUN_ARGS)

check: deps format-check $(CHECKDIR)/build.ninja
	$(MESON) compile -C $(CHECKDIR)
	sh ci/run-tests.sh $(CHECKDIR) $(TESTS)

bench: bench-channel bench-media bench-switch

bench-channel: all
	$(MESON) test -C $(BUILDDIR) --benchmark --suite channel --verbose

bench-media: all
	$(MESON) test -C $(BUILDDIR) --benchmark --suite media --verbose

# A Kamailio IMS core for people: `make ims IMS_ARGS="--run-dir /tmp/ims"` (Ctrl-C stops it).
IMS_ARGS ?= --run-dir $(BUILD_ROOT)/ims-run
ims: all
	$(BUILDDIR)/sim/ims/stbsim-ims $(if $(filter container,$(IMS)),--container) $(IMS_ARGS)

# Switch latency distributions (p50/p95/p99 per hop) against the stored baseline, with a
# regression verdict (fixtures/baselines/README.md). The ci profile makes budget overshoots
# warnings, so only a real regression fails this target.
BENCH_ARGS ?= --repeat 20 -l bidirectional -t '^(TC-TIME-01|TC-ZAP-01|TC-CALLER-01)\.'
bench-switch: all
	$(BUILDDIR)/sim/runner/stbsim bench $(BENCH_ARGS) --compare-no-fcc --profile ci \
	    --baseline fixtures/baselines/reference.json

# Record a new baseline from bench-switch's selection, with this machine's identity (host, CPU,
# kernel, git commit, date, command line; fixtures/baselines/README.md).
BASELINE ?= fixtures/baselines/reference.json
baseline: all
	$(BUILDDIR)/sim/runner/stbsim bench $(BENCH_ARGS) --profile ci --save-baseline $(BASELINE)

# libFuzzer targets (tests/fuzz/, README "Fuzzing"): clang with ASan+UBSan, only the fuzz
# targets and what they link are built.
$(FUZZDIR)/build.ninja: | deps
	CC="$$(command -v ccache >/dev/null && echo 'ccache ')clang-14" $(MESON) setup $(FUZZDIR) \
	    --buildtype=debugoptimized -Dfuzz=true -Dtests=false -Dwerror=false \
	    -Db_sanitize=address,undefined -Db_lundef=false

fuzz: deps $(FUZZDIR)/build.ninja
	sh tests/fuzz/run-fuzz.sh $(FUZZDIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

coverage: deps $(COVDIR)/build.ninja
	$(MESON) compile -C $(COVDIR)
	sh ci/run-tests.sh $(COVDIR) $(TESTS) || true
	cd $(COVDIR) && gcovr -r ../.. --filter '../../sim/' --html-details -o coverage.html --print-summary .

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# STYLE.md section 2: every C file as .clang-format says (part of `make check`).
format-check:
	@clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h') && echo "format-check: ok"

clean:
	rm -rf $(BUILD_ROOT)
