#!/bin/sh
# SPDX-License-Identifier: MIT
# The main job serial vs in parallel: wall time and functional verdicts over R repeats.
# A benchmark, not a test: it prints numbers and exits 1 only when a verdict differs.
#
#   sh ci/parallel-repeat.sh [-r R] [-j "1 2 4"] [-b BUILDDIR] [-o DIR] [-- MAIN-JOB ARGS]
#
# For each repeat, each -j value in order runs `sh ci/main-job.sh BUILDDIR` with
# STBSIM_JOBS=j (the first value is the reference, normally 1 = serial), all into one report
# directory (so -j runs schedule longest first from the earlier runs' durations, as `make
# run` does from reports/). Per run it records the wall time, the 1-minute load average
# before and after, the exit code, and each test's functional verdict (verdict, plus the
# deciding issue id when not pass; pass-level notes such as timing warnings are not
# verdicts); every run is compared with the reference of repeat 1. Prints one line per run,
# then per -j value: median wall time, median speed-up against the reference of the same
# repeat, and the number of verdict differences.
#
# Defaults: R=3, -j "1 2 4", build/default, output in a fresh directory under ${TMPDIR:-/tmp}.
# The lead's quiet-machine measurement: `make && sh ci/parallel-repeat.sh -r 10`.
set -u
repeats=3
jobs_list="1 2 4"
builddir=build/default
out=""
while [ $# -gt 0 ]; do
    case $1 in
        -r) repeats=$2; shift 2 ;;
        -j) jobs_list=$2; shift 2 ;;
        -b) builddir=$2; shift 2 ;;
        -o) out=$2; shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
        *) echo "parallel-repeat: unknown argument $1 (see --help)" >&2; exit 4 ;;
    esac
done
case $repeats in ''|*[!0-9]*|0) echo "parallel-repeat: -r needs a number >= 1" >&2; exit 4 ;; esac
[ -x "$builddir/sim/runner/stbsim" ] || { echo "parallel-repeat: build first (make)" >&2; exit 3; }
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/parallel-repeat.XXXXXX")
mkdir -p "$out/reports"
table="$out/runs.tsv"
: > "$table"
here=$(cd "$(dirname "$0")" && pwd)

# id<TAB>functional verdict, sorted, from a results.json
verdicts() {
    /usr/bin/python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for t in sorted(r.get("tests", []), key=lambda t: t.get("id", "")):
    v = t.get("verdict", "none") if t.get("finished") else "unfinished"
    why = ""
    if v != "pass":
        for i in t.get("issues", []):
            if i.get("level") == v:
                why = " " + i.get("id", "")
                break
    print("%s\t%s%s" % (t.get("id"), v, why))
EOF
}

load1() { cut -d' ' -f1 /proc/loadavg; }
ref=""
ref_rc=""
echo "parallel-repeat: $repeats repeat(s) of -j $jobs_list; output in $out; $(nproc) CPUs"
printf '%-6s %-4s %8s %7s %7s %4s %s\n' repeat j wall_s load0 load1 rc verdict_diffs
for r in $(seq 1 "$repeats"); do
    for j in $jobs_list; do
        l0=$(load1)
        t0=$(date +%s.%N)
        STBSIM_JOBS=$j STBSIM_REPORT_DIR="$out/reports" sh "$here/main-job.sh" "$builddir" "$@" \
            > "$out/r$r-j$j.log" 2>&1
        rc=$?
        t1=$(date +%s.%N)
        l1=$(load1)
        run=$(sed -n 's/^report: \(.*\)\/report\.html$/\1/p' "$out/r$r-j$j.log" | tail -n 1)
        if [ -n "$run" ] && [ -f "$run/results.json" ]; then
            verdicts "$run/results.json" > "$out/r$r-j$j.verdicts"
        else
            echo "(no report: see $out/r$r-j$j.log)" > "$out/r$r-j$j.verdicts"
        fi
        [ -n "$ref" ] || { ref="$out/r$r-j$j.verdicts"; ref_rc=$rc; }
        diffs=$(diff "$ref" "$out/r$r-j$j.verdicts" | grep -c '^[<>]')
        if [ "$rc" != "$ref_rc" ]; then
            diffs=$((diffs + 1))
            echo "    exit code $rc, the reference's $ref_rc (see $out/r$r-j$j.log)"
        fi
        wall=$(echo "$t1 $t0" | awk '{printf "%.1f", $1 - $2}')
        printf '%-6s %-4s %8s %7s %7s %4s %s\n' "$r" "$j" "$wall" "$l0" "$l1" "$rc" "$diffs"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$j" "$wall" "$l0" "$l1" "$rc" "$diffs" >> "$table"
        [ "$diffs" -eq 0 ] || diff "$ref" "$out/r$r-j$j.verdicts" | sed 's/^/    /'
    done
done

echo
echo "summary (median over repeats; speed-up = reference wall / this wall, same repeat):"
ref_j=$(echo "$jobs_list" | awk '{print $1}')
awk -F'\t' -v refj="$ref_j" '
    function median(list, n,   a, i, j, t) {
        n = split(list, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { wall[$1, $2] = $3; walls[$2] = walls[$2] " " $3; loads[$2] = loads[$2] " " $4; d[$2] += $7
      if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } reps[$1] = 1 }
    END {
        total = 0
        for (k = 1; k <= n; k++) {
            j = order[k]; sp = ""
            for (r in reps) if ((r, refj) in wall && (r, j) in wall && wall[r, j] > 0)
                sp = sp " " wall[r, refj] / wall[r, j]
            printf "  -j %-4s wall %6.1f s  speed-up %4.2fx  load %5.2f  verdict differences %d\n",
                   j, median(walls[j]), sp == "" ? 0 : median(sp), median(loads[j]), d[j]
            total += d[j]
        }
        exit total > 0
    }' "$table"
rc=$?
[ $rc -eq 0 ] && echo "parallel-repeat: 0 verdict differences" \
    || echo "parallel-repeat: verdicts differ (see above); logs in $out"
exit $rc
