#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check-sr-mutation: the mutation self-test of the conformance runner.

Every fault of tests/runner/mutants.ini is a realistic vendor mistake built into the test
doubles broken-iptv / broken-voip (stb-iptv / stb-voip with the hooks of
sim/stb/agent/stb-fault.h). For each one this writes an ICS (conformance/ics/reference.ini
with roles=<role> and [ixit] templates naming the broken binary with --fault NAME), runs
`stbsim suite conformance` on the fault's tests through the runner's real vendor path, and
reads results.json:

  caught    verdict fail with an issue naming one of the fault's requirement ids
  wrong-id  verdict fail, but no issue names one of them
  missed    pass / inconc / error / nothing ran

The reference modules go through the same path (--fault none) and must pass. The test
fails when a fault marked status=caught is not caught with the right id, or one marked
status=uncaught is (so the catalogue says what the runner really does), and prints
`mutation score: caught N/M, right id N/M` with a table of the misses.

Usage: check-sr-mutation.py --build-root B --source-root S [--only REGEX] [--measure]
"""

import argparse
import concurrent.futures
import configparser
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# How the faulty module is launched. "ics": `--ics FILE` alone, the runner starts the DUT from
# the ICS [ixit] templates (every placeholder of conformance/ics/README.md). "dut": the older
# `--dut ROLE='CMD'` path, which knows only {socket} {layout} {dialect} (no SIP credentials,
# no head-end lineup, no VOD base). Switching is this one line.
LAUNCH = "ics"

RUN_TIMEOUT_S = 150  # one stbsim run (1-3 tests); killed with its process group after it
ORDER = ["channel", "message", "iptv", "voip", "sip", "timers", "robustness", "agent", "timing"]


def read_ini(path):
    ini = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",))
    ini.optionxform = str
    with open(path, encoding="utf-8") as f:
        ini.read_file(f)
    return ini


class Mutant:
    def __init__(self, name, sec):
        self.name = name
        self.fault = "none" if name.startswith("reference-") else name
        self.group = sec.get("group", "reference")
        self.role = sec["role"]
        self.requirements = [r.strip() for r in sec.get("requirements", "").split(",") if r.strip()]
        self.tests = sec["tests"]
        self.layouts = [x.strip() for x in sec["layouts"].split(",")]
        self.mode = sec.get("mode", "injection")
        self.profile = sec.get("profile", "ci")
        self.budgets = [b.strip() for b in sec.get("budgets", "").split(",") if b.strip()]
        self.status = sec.get("status", "pass")
        self.reason = sec.get("reason", "")
        self.outcome = None  # caught | wrong-id | missed | pass
        self.detail = ""
        self.unstable = None  # the first, disagreeing result when a re-run agreed


def write_ics(args, m, path):
    """reference.ini with roles=<role> and the [ixit] templates of the broken binary."""
    ics = read_ini(os.path.join(args.source_root, "conformance", "ics", "reference.ini"))
    exe = os.path.join(args.build_root, "tests", "runner", "broken-" + m.role)
    ics["implementation"]["name"] = "broken-%s --fault %s" % (m.role, m.fault)
    ics["implementation"]["roles"] = m.role
    ixit = ics["ixit"]
    product = {"iptv": "sim/stb/iptv/stb-iptv", "voip": "sim/stb/voip/stb-voip"}[m.role]
    for key in list(ixit.keys()):
        if not key.endswith("command"):
            continue
        if not key.startswith(m.role + "_"):
            del ixit[key]
            continue
        template = ixit[key].replace(product, "%s --fault %s" % (exe, m.fault), 1)
        if m.role == "iptv" and "{vod_base}" not in template:
            template += " --vod-base-uri {vod_base}"
        ixit[key] = template
    with open(path, "w", encoding="utf-8") as f:
        ics.write(f, space_around_delimiters=False)


def dut_command(args, m, ics):
    """The same launch as the ICS says, with only what `--dut` substitutes today."""
    exe = os.path.join(args.build_root, "tests", "runner", "broken-" + m.role)
    cmd = "%s --fault %s --qcop-socket {socket} --layout {layout} --dialect {dialect}" % (
        exe,
        m.fault,
    )
    if m.role == "voip":
        ixit = ics["ixit"]
        cmd += " --inject --t-dialog-ms %s --t-show-ms %s --t-alert-ms %s" % (
            ixit["t_dialog_ms"],
            ixit["t_show_ms"],
            ixit["t_alert_ms"],
        )
    return "%s=%s" % (m.role, cmd)


def write_profile(args, m, path):
    """m.profile with only the budgets of m.budgets: on a loaded machine another budget can
    fail the test first, before the one the fault breaks is measured."""
    prof = read_ini(os.path.join(args.source_root, "conformance", "profiles", m.profile + ".ini"))
    for key in list(prof["budgets"].keys()):
        if key not in m.budgets:
            del prof["budgets"][key]
    with open(path, "w", encoding="utf-8") as f:
        prof.write(f, space_around_delimiters=False)
    return path


def stbsim_argv(args, m, ics_path, report_dir):
    argv = [os.path.join(args.build_root, "sim", "runner", "stbsim"), "suite", "conformance"]
    argv += ["--ics", ics_path]
    if LAUNCH == "dut":
        argv += ["--dut", dut_command(args, m, read_ini(ics_path))]
    argv += ["-t", r"^(?:%s)(?:\.|$)" % m.tests]
    if len(m.layouts) == 1:
        argv += ["-l", m.layouts[0]]
    if m.mode == "sip":
        argv += ["--mode", "sip"]
    profile = m.profile
    if m.budgets:
        profile = write_profile(args, m, os.path.join(os.path.dirname(ics_path), "profile.ini"))
    argv += ["--profile", profile, "--report-dir", report_dir, "--quiet"]
    return argv


def issue_requirements(issue):
    req = issue.get("requirement") or issue.get("requirements") or ""
    if isinstance(req, list):
        return set(req)
    return {r.strip() for r in str(req).split(",") if r.strip()}


def classify(m, results):
    """Outcome per layout, then the worst over the fault's layouts."""
    rank = {"missed": 0, "wrong-id": 1, "caught": 2, "pass": 3}
    per_layout = {}
    notes = []
    for t in results.get("tests", []):
        layout = t.get("layout") or t.get("id", "").rsplit(".", 1)[-1]
        verdict = t.get("verdict", "none")
        ids = ["%s(%s)" % (i.get("id"), ",".join(sorted(issue_requirements(i))))
               for i in t.get("issues", []) if i.get("level") in ("fail", "error", "inconc")]
        notes.append("%s %s %s" % (t.get("id"), verdict, " ".join(ids)))
        if m.fault == "none":
            got = "pass" if verdict == "pass" else "missed"
        elif verdict != "fail":
            got = "missed"
        elif any(i.get("level") == "fail" and issue_requirements(i) & set(m.requirements)
                 for i in t.get("issues", [])):
            got = "caught"
        else:
            got = "wrong-id"
        best = per_layout.get(layout)
        if m.fault == "none":  # every reference test must pass
            per_layout[layout] = got if best is None else min(best, got, key=rank.get)
        else:  # caught in a layout when any of its tests catches it
            per_layout[layout] = got if best is None else max(best, got, key=rank.get)
    outcomes = [per_layout.get(layout, "missed") for layout in m.layouts]
    m.outcome = min(outcomes, key=rank.get)
    m.detail = "; ".join(notes) if notes else "no test ran"


def run_env():
    """The sanitizer build's environment, made cheaper: this test judges verdicts, not leaks
    (every other suite runs the same modules with leak detection and slow unwinding), and on
    a loaded 2-core machine those two options triple the run time."""
    env = os.environ.copy()
    if "ASAN_OPTIONS" in env:
        opts = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
        env["ASAN_OPTIONS"] = opts.replace("fast_unwind_on_malloc=0", "fast_unwind_on_malloc=1")
    return env


def run_one(args, m, tmp, attempt=1):
    if LAUNCH == "dut" and m.mode == "sip":
        m.outcome, m.detail = "missed", "not run: --dut cannot give a SIP DUT its registrar"
        return m
    work = os.path.join(tmp, "%s.%d" % (m.name, attempt))
    os.makedirs(work)
    ics_path = os.path.join(work, "ics.ini")
    write_ics(args, m, ics_path)
    report_dir = os.path.join(work, "reports")
    argv = stbsim_argv(args, m, ics_path, report_dir)
    start = time.monotonic()
    with open(os.path.join(work, "stbsim.log"), "w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=work,
                                env=run_env(), start_new_session=True)
        try:
            proc.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            m.outcome, m.detail = "missed", "stbsim did not finish within %d s" % RUN_TIMEOUT_S
            return m
    found = glob.glob(os.path.join(report_dir, "*", "results.json"))
    if len(found) != 1:
        with open(os.path.join(work, "stbsim.log")) as log:
            tail = log.read()[-600:]
        m.outcome, m.detail = "missed", "no results.json (exit %d): %s" % (proc.returncode, tail)
        return m
    with open(found[0], encoding="utf-8") as f:
        classify(m, json.load(f))
    m.detail += " [%.1fs]" % (time.monotonic() - start)
    return m


def check_catalogue(args, mutants):
    """Every fault in mutants.ini exists in its binary (a typo would run the reference)."""
    errors = []
    for role in ("iptv", "voip"):
        exe = os.path.join(args.build_root, "tests", "runner", "broken-" + role)
        out = subprocess.run([exe, "--list-faults"], capture_output=True, text=True, timeout=30)
        known = {line.split()[0] for line in out.stdout.splitlines()
                 if line.split()[1:2] == [role]}
        errors += ["mutants.ini [%s]: broken-%s has no fault '%s' (--list-faults)"
                   % (m.name, role, m.fault)
                   for m in mutants if m.role == role and m.fault != "none"
                   and m.fault not in known]
        errors += ["broken-%s fault '%s' is not in mutants.ini" % (role, k)
                   for k in sorted(known - {m.fault for m in mutants})]
        # the product binary is built without STB_WITH_FAULTS: no fault name, no --fault
        product = os.path.join(args.build_root, "sim", "stb", role, "stb-" + role)
        with open(product, "rb") as f:
            blob = f.read()
        errors += ["%s carries fault code: it contains the string '%s'" % (product, k)
                   for k in sorted(known) + ["list-faults", "fault injected: %s (%s)"]
                   if b"\0" + k.encode() + b"\0" in blob]
    return errors


def report(mutants):
    faults = [m for m in mutants if m.fault != "none"]
    print("%-24s %-10s %-4s %-8s %-8s %s" % ("fault", "group", "role", "status", "result", "tests"))
    for m in faults:
        print("%-24s %-10s %-4s %-8s %-8s %s" % (m.name, m.group, m.role, m.status, m.outcome,
                                                 m.tests))
    print("\nper group (caught = fail verdict; right id = fail naming a listed requirement):")
    for g in ORDER:
        ms = [m for m in faults if m.group == g]
        if ms:
            print("  %-10s caught %d/%d, right id %d/%d" % (
                g, sum(m.outcome != "missed" for m in ms), len(ms),
                sum(m.outcome == "caught" for m in ms), len(ms)))
    misses = [m for m in faults if m.outcome != "caught"]
    if misses:
        print("\nmisses:")
        print("%-24s %-8s %-22s %s" % ("fault", "result", "expected", "got"))
        for m in misses:
            print("%-24s %-8s %-22s %s" % (m.name, m.outcome, ",".join(m.requirements),
                                           m.detail[:300]))
    return "mutation score: caught %d/%d, right id %d/%d" % (
        sum(m.outcome != "missed" for m in faults), len(faults),
        sum(m.outcome == "caught" for m in faults), len(faults))


def agrees(m):
    if m.fault == "none":
        return m.outcome == "pass"
    if m.status == "caught":
        return m.outcome == "caught"
    if m.status == "uncaught":
        return m.outcome != "caught"
    return True


def run_checked(args, m, tmp):
    """Run @m; a result that disagrees with its status is run once more (a loaded machine can
    delay a module past a scenario's window), and both results are reported."""
    run_one(args, m, tmp)
    if agrees(m) or (LAUNCH == "dut" and m.mode == "sip"):
        return m
    first = "%s (%s)" % (m.outcome, m.detail[:160])
    run_one(args, m, tmp, attempt=2)
    m.detail += " | first run: " + first
    if agrees(m):
        m.unstable = first
    return m


def verdicts(mutants, measure):
    """The assertions: references pass, statuses hold."""
    problems = []
    for m in mutants:
        if m.fault == "none":
            if m.outcome != "pass":
                problems.append("reference %s (--fault none) does not pass: %s" % (m.role, m.detail))
        elif measure:
            continue
        elif m.status == "flaky":
            continue
        elif m.status == "caught" and m.outcome != "caught":
            problems.append("%s is marked caught but is %s (expected %s): %s" % (
                m.name, m.outcome, ",".join(m.requirements), m.detail))
        elif m.status == "uncaught" and m.outcome == "caught":
            problems.append("%s is marked uncaught but is now caught with the right id: set "
                            "status=caught in tests/runner/mutants.ini" % m.name)
        elif m.status not in ("caught", "uncaught"):
            problems.append("%s: status=%s is not caught, uncaught or flaky" % (m.name, m.status))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-root", required=True)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--catalogue", help="default: tests/runner/mutants.ini")
    ap.add_argument("--only", help="regex: only these faults (and no references)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--measure", action="store_true",
                    help="report only; do not compare with the status= keys")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    args.build_root = os.path.abspath(args.build_root)
    args.source_root = os.path.abspath(args.source_root)
    path = args.catalogue or os.path.join(args.source_root, "tests", "runner", "mutants.ini")
    ini = read_ini(path)
    mutants = [Mutant(name, ini[name]) for name in ini.sections()]
    problems = check_catalogue(args, mutants)
    if args.only:
        mutants = [m for m in mutants if m.fault != "none" and re.search(args.only, m.name)]
    tmp = tempfile.mkdtemp(prefix="check-sr-mutation-")
    start = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            run = run_one if args.measure else run_checked
            for m in pool.map(lambda m: run(args, m, tmp), mutants):
                print("%-24s %-8s %s" % (m.name, m.outcome, m.detail[:200]), flush=True)
    finally:
        if args.keep:
            print("work directory: %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("\n%d runs in %.0f s (launch: %s)\n" % (len(mutants), time.monotonic() - start, LAUNCH))
    score = report(mutants)
    for m in mutants:
        if m.unstable:
            print("UNSTABLE: %s agreed with status=%s only on its second run; first: %s"
                  % (m.name, m.status, m.unstable))
    problems += verdicts(mutants, args.measure)
    print()
    for p in problems:
        print("FAIL: " + p)
    print(score)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
