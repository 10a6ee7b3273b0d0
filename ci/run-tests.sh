#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every test suite in a configured build directory and finish with one plain line,
# "N passed, N failed", counting libcheck test cases (and whole test programs that are not
# libcheck, or that died before libcheck could report).
# Usage: ci/run-tests.sh BUILDDIR [extra meson test args]
set -u
builddir=${1:?usage: ci/run-tests.sh BUILDDIR [meson test args]}
shift
# Tests may leave processes only in their own process groups; a hard cap keeps CI bounded.
timeout --kill-after=30 1500 meson test -C "$builddir" --print-errorlogs \
	--num-processes "${TEST_JOBS:-2}" "$@"
rc=$?
/usr/bin/python3 - "$builddir/meson-logs/testlog.json" "$rc" <<'PY'
import json, re, sys
path, rc = sys.argv[1], int(sys.argv[2])
passed = failed = 0
reasons = []   # why each failed test failed, printed last so a CI log's tail shows it
pat = re.compile(r"(\d+)%: Checks: (\d+), Failures: (\d+), Errors: (\d+)")
try:
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
except OSError as e:
    print(f"run-tests: no test log ({e})")
    lines = []
for line in lines:
    t = json.loads(line)
    if "result" not in t:   # not a test record
        continue
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    found = pat.findall(out)
    ok = t.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
    if t.get("result") == "SKIP":   # say why (tests print "SKIP: reason"), never silently
        why = [l for l in out.splitlines() if l.startswith("SKIP")] or ["(no reason printed)"]
        print(f"run-tests: SKIPPED {t.get('name')}: {why[0]}")
    if not ok or (found and any(int(f[2]) + int(f[3]) for f in found)):
        why = [l for l in out.splitlines() if re.search(r":[FE]:", l)]
        why = why or out.splitlines()[-8:] or ["(no output)"]
        reasons.append(f"run-tests: FAILED {t.get('name')} ({t.get('result')}, "
                       f"{t.get('duration', 0):.1f} s):")
        reasons.extend("  " + l[:300] for l in why[:12])
    if found:
        checks = sum(int(f[1]) for f in found)
        bad = sum(int(f[2]) + int(f[3]) for f in found)
        passed += checks - bad
        failed += bad
        if not ok and bad == 0:
            failed += 1   # the program failed after libcheck reported (leak, crash at exit)
    else:
        if ok:
            passed += 1
        else:
            failed += 1
for l in reasons:
    print(l)
if rc != 0 and failed == 0:
    failed = 1
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and rc == 0 else 1)
PY
