#!/bin/sh
# SPDX-License-Identifier: MIT
# The main job (`make run`, README's first command): the conformance suite with our reference
# modules, a summary table, and where the report is. Exit code = the suite's (stbsim --help):
# 0 pass, 1 fail, 2 inconclusive, 3 error/infrastructure, 4 usage.
#
#   sh ci/main-job.sh BUILDDIR [stbsim suite options, e.g. --dut voip='CMD %s' -t callee]
#
# Mode: SIP through a local Kamailio (stbsim-ims) with sipp as the far end when the IMS
# launcher, kamailio and sipp are all available and the runner supports it; otherwise the
# injection-based variant (calls injected into the VoIP module's agent, no SIP), and it says so.
# STBSIM_MODE=injection|sip forces one.
# STBSIM_IMS=container (make run IMS=container): the IMS core runs in a podman container
# (stbsim --ims container; root, sim/ims/container-image.sh makes the image on first use).
# STBSIM_JOBS=N|auto (make run RUN_JOBS=N): tests run N at a time, each in its own child
# process (stbsim suite -j, sim/runner/sr-parallel.h); default auto = min(2 x CPUs - load
# average, available memory / 256 MiB, 16), at least 1; 1 = serial.
set -u
builddir=${1:-build/default}
[ $# -gt 0 ] && shift
stbsim="$builddir/sim/runner/stbsim"
if [ ! -x "$stbsim" ]; then
    echo "main-job: $stbsim is not built (make, or meson compile -C $builddir)" >&2
    exit 3
fi

mode=${STBSIM_MODE:-}
if [ -z "$mode" ]; then
    why=""
    [ -x "$builddir/sim/ims/stbsim-ims" ] || why="the IMS launcher (stbsim-ims) is not built"
    [ -z "$why" ] && ! command -v kamailio >/dev/null 2>&1 && why="kamailio is not installed"
    [ -z "$why" ] && ! command -v sipp >/dev/null 2>&1 && why="sipp is not installed"
    if [ -n "$why" ]; then
        mode=injection
        echo "main-job: running the injection-based variant (no SIP): $why"
    else
        mode=sip
        echo "main-job: SIP mode: SIP cases run against Kamailio (stbsim-ims) with sipp far ends;"
        echo "main-job: the other cases inject calls into the VoIP module's agent"
    fi
fi

ims=${STBSIM_IMS:-local}
case $ims in
    local) imsopt="" ;;
    container)
        imsopt="--ims container"
        [ "$mode" = sip ] || { echo "main-job: IMS=container needs SIP mode, but: $mode" >&2; exit 3; }
        echo "main-job: the IMS core runs in a podman container (sim/ims/Containerfile)" ;;
    *) echo "main-job: IMS=$ims: local or container" >&2; exit 4 ;;
esac

jobs=${STBSIM_JOBS:-auto}
reportdir=${STBSIM_REPORT_DIR:-reports}
# CI machines are noisy: timing budgets warn (profile ci, SW-TIME-92) unless a profile is given
profile="--profile ci"
case " $* " in *" --profile"*|*" -p "*) profile="" ;; esac
echo "main-job: $stbsim suite conformance --mode $mode $imsopt -j $jobs --report-dir $reportdir $profile $*"
# stbsim prints one progress line per test, then the summary table and the report path.
# the report of this run only: a run directory newer than this marker (a usage error writes none,
# and must not point at a previous run's report)
marker=$(mktemp)
trap 'rm -f "$marker"' EXIT
# shellcheck disable=SC2086
"$stbsim" suite conformance --mode "$mode" $imsopt -j "$jobs" --report-dir "$reportdir" $profile "$@"
rc=$?
case $rc in
    0) verdict="pass" ;;
    1) verdict="fail" ;;
    2) verdict="inconclusive" ;;
    3) verdict="error (infrastructure)" ;;
    4) verdict="usage error" ;;
    *) verdict="unexpected exit code" ;;
esac
latest=""
if [ "$rc" -ne 4 ] && [ -d "$reportdir" ]; then
    latest=$(find "$reportdir" -mindepth 1 -maxdepth 1 -type d -newer "$marker" 2>/dev/null \
             | sort | tail -n 1)
fi
if [ -n "$latest" ]; then
    echo "main-job: report: $latest/report.html  (junit: $latest/junit.xml)"
else
    echo "main-job: no report was written by this run"
fi
echo "main-job: $verdict (exit $rc)"
exit $rc
