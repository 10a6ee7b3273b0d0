#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a test suite N times and print the failure rate per test: per meson test program and
# per libcheck test case that failed at least once (file:line, tcase, test, first message).
#
# Usage: ci/repeat.sh [--load] [--builddir DIR] [--minutes M] N [meson test args...]
#   --load          start one CPU burner (`yes >/dev/null`) per core for the whole run;
#                   they are stopped by PID on exit, error or signal
#   --builddir DIR  the configured build to test (default build/check)
#   --minutes M     start no further run after M minutes; the summary covers the runs done
#   N               how many runs (1..1000)
# Example: sh ci/repeat.sh --load 20 --suite ims --num-processes 1
# Each run's log: DIR/meson-logs/repeat-<pid>-<i>.json (meson --logbase; several repeats may
# share one build directory). Exit 0 when every run
# passed, 1 when some run failed, 4 on bad usage.
set -u
load=0
builddir=build/check
minutes=0
usage() {
	echo "usage: ci/repeat.sh [--load] [--builddir DIR] [--minutes M] N [meson test args...]" >&2
	exit 4
}
while [ $# -gt 0 ]; do
	case $1 in
	--load) load=1; shift ;;
	--builddir) [ $# -ge 2 ] || usage; builddir=$2; shift 2 ;;
	--minutes) [ $# -ge 2 ] || usage; minutes=$2; shift 2 ;;
	--help | -h) sed -n '3,15p' "$0"; exit 0 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
n=$1
shift
case $n in '' | *[!0-9]*) usage ;; esac
[ "$n" -ge 1 ] && [ "$n" -le 1000 ] || usage
case $minutes in '' | *[!0-9]*) usage ;; esac
[ -f "$builddir/build.ninja" ] || { echo "repeat: $builddir is not a configured build (make check configures build/check)" >&2; exit 4; }

burners=""
run_pid=""
stop_burners() {
	# the current run too (by PID: timeout forwards the signal to meson test)
	[ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null
	for pid in $burners; do
		kill "$pid" 2>/dev/null
	done
	for pid in $burners $run_pid; do
		wait "$pid" 2>/dev/null
	done
	burners=""
	run_pid=""
}
trap 'stop_burners' EXIT
trap 'stop_burners; exit 130' INT
trap 'stop_burners; exit 143' TERM
if [ "$load" = 1 ]; then
	cores=$(nproc 2>/dev/null || echo 1)
	i=0
	while [ "$i" -lt "$cores" ]; do
		yes >/dev/null &
		burners="$burners $!"
		i=$((i + 1))
	done
	echo "repeat: CPU load: $cores burner(s), pids$burners"
fi

meson compile -C "$builddir" >/dev/null || { echo "repeat: build failed" >&2; exit 1; }
logs=""
done_runs=0
t0=$(date +%s)
i=1
while [ "$i" -le "$n" ]; do
	start=$(date +%s)
	if [ "$minutes" -gt 0 ] && [ $((start - t0)) -ge $((minutes * 60)) ]; then
		echo "repeat: time limit ($minutes min) reached: $done_runs of $n runs done"
		break
	fi
	# one run's bound, as in ci/run-tests.sh
	# in the background + wait: a signal interrupts `wait` at once (not a foreground child)
	timeout --kill-after=30 1500 meson test -C "$builddir" --no-rebuild --logbase "repeat-$$-$i" "$@" \
		>"$builddir/meson-logs/repeat-$$-$i.out" 2>&1 </dev/null &
	run_pid=$!
	wait "$run_pid"
	rc=$?
	run_pid=""
	echo "repeat: run $i/$n exit $rc ($(($(date +%s) - start)) s; $(uptime | sed 's/.*load/load/'))"
	done_runs=$i
	logs="$logs $builddir/meson-logs/repeat-$$-$i.json"
	i=$((i + 1))
done
stop_burners

# shellcheck disable=SC2086 # one path per run, no spaces in them
/usr/bin/python3 - "$done_runs" $logs <<'PY'
import json, re, sys
n = int(sys.argv[1])
runs = {}    # meson test -> [runs seen, runs failed]
cases = {}   # libcheck "file:line tcase:test" -> [count, first message]
bad_runs = 0
pat = re.compile(r"^([^\s:]+:\d+):[FE]:([^:]*):([^:]*):\d+: ?(.*)$", re.M)
for path in sys.argv[2:]:
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError as e:
        print(f"repeat: {path}: {e}")
        bad_runs += 1
        continue
    run_bad = False
    for line in lines:
        t = json.loads(line)
        if "result" not in t:
            continue
        r = runs.setdefault(t["name"], [0, 0])
        r[0] += 1
        if t["result"] not in ("OK", "EXPECTEDFAIL", "SKIP"):
            r[1] += 1
            run_bad = True
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        for m in pat.finditer(out):
            key = f"{m.group(1)} {m.group(2)}:{m.group(3)}"
            c = cases.setdefault(key, [0, m.group(4)[:120]])
            c[0] += 1
    bad_runs += run_bad
print(f"\n{'test':40} {'runs':>5} {'failed':>6} {'rate':>6}")
for name, (seen, failed) in sorted(runs.items()):
    print(f"{name:40} {seen:5} {failed:6} {100.0 * failed / max(seen, 1):5.1f}%")
if cases:
    print("\nfailing test cases (count: where, tcase:test, first message):")
    for key, (count, msg) in sorted(cases.items(), key=lambda kv: -kv[1][0]):
        print(f"  {count:3}/{n}  {key}  {msg}")
print(f"\n{bad_runs} of {n} runs failed")
sys.exit(1 if bad_runs else 0)
PY
