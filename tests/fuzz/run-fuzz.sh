#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every fuzz target (or the ones named) for SECONDS each and print, per target, the
# executions, executions per second, corpus size and findings. `make fuzz` calls this.
# Usage: tests/fuzz/run-fuzz.sh BUILDDIR SECONDS [target...]
#   Seeds: tests/fuzz/corpus/TARGET/ (checked in, read only here). New inputs libFuzzer finds
#   go to BUILDDIR/tests/fuzz/work/TARGET/ (not checked in). A crash, leak, timeout or OOM
#   input is written to tests/fuzz/crashes/TARGET/ so that, once fixed, `make check` replays
#   it for ever (commit it with the fix). Exit 1 if anything was found.
set -u
builddir=${1:?usage: run-fuzz.sh BUILDDIR SECONDS [target...]}
seconds=${2:?usage: run-fuzz.sh BUILDDIR SECONDS [target...]}
shift 2
src=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- $(cd "$src/corpus" && ls)
fi
targets=""
for t in "$@"; do targets="$targets tests/fuzz/fuzz-$t:executable"; done
# shellcheck disable=SC2086
meson compile -C "$builddir" $targets >/dev/null || { echo "run-fuzz: build failed" >&2; exit 1; }

export ASAN_OPTIONS="detect_leaks=1:detect_odr_violation=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$src/../../ci/lsan.supp:print_suppressions=0"
status=0
printf '%-18s %10s %8s %8s %8s  %s\n' target execs exec/s corpus findings notes
for t in "$@"; do
	exe="$builddir/tests/fuzz/fuzz-$t"
	work="$builddir/tests/fuzz/work/$t"
	crashes="$src/crashes/$t"
	log="$builddir/tests/fuzz/$t.log"
	mkdir -p "$work" "$crashes"
	before=$(ls "$crashes" | wc -l)
	"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$work" "$src/corpus/$t" >"$log" 2>&1
	rc=$?
	after=$(ls "$crashes" | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	[ -n "$secs" ] && [ "$secs" -gt 0 ] || secs=$seconds
	corpus=$(ls "$work" | wc -l)
	found=$((after - before))
	notes=""
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
		status=1
		notes="FOUND: see $log and $crashes/"
	fi
	printf '%-18s %10s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "$(( ${execs:-0} / secs ))" \
		"$corpus" "$found" "$notes"
done
exit $status
