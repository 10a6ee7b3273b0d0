#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Consistency check of the conformance documents; optionally writes the requirement index.

Usage: check-docs.py [--index OUT.tsv] [CONFORMANCE_DIR]

Checks that
  - every requirement id in SPEC.md is defined once ("**[SW-X-nn]**") and well formed;
  - every id the catalogue, the profiles and the scenarios cite is defined in SPEC.md;
  - every catalogue test case has scenario, summary, requirements, dut, layouts with valid
    values, and its ICS items exist in ics/reference.ini;
  - every profile has [budgets] and [budgets_p95] entries for every SW-TIME id the SPEC
    defines with an interval (SW-TIME-01..89) and nothing else.
--index writes "id<TAB>level<TAB>section<TAB>text" for every requirement (the machine-readable
requirement list the runner and reports use). Exit 0 when consistent, 1 otherwise.
"""

import configparser
import glob
import os
import re
import sys

ID_RE = re.compile(r"SW-[A-Z]+-\d\d")
DEF_RE = re.compile(r"\*\*\[(SW-[A-Z]+-\d\d)\]\*\*")
AREAS = {"CHAN", "MSG", "RX", "DLCT", "IPTV", "VOIP", "SIP", "RST", "TMR", "TIME", "AGT", "EVT"}


def ini(path):
    cp = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",))
    cp.optionxform = str
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    return cp


# catalogue keys that list requirement ids (requirements_<layout>: judged in that layout only)
LISTED_KEYS = ("requirements", "requirements_bidirectional", "requirements_unidirectional", "timing")


def spec_requirements(path):
    reqs, section, errors = {}, "", []
    lines = open(path, encoding="utf-8").read().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(#{2,3}) (\d+(\.\d+)?)\.? ", line)
        if m:
            section = m.group(2)
        for rid in DEF_RE.findall(line):
            if rid in reqs:
                errors.append("SPEC.md:%d: %s defined twice" % (i + 1, rid))
            area = rid.split("-")[1]
            if area not in AREAS:
                errors.append("SPEC.md:%d: %s: unknown area %s" % (i + 1, rid, area))
            text = line.split("**", 2)[-1].strip(" |")
            j = i + 1
            while j < len(lines) and lines[j].startswith("  ") and len(text) < 400:
                text += " " + lines[j].strip()
                j += 1
            hits = [(text.find(k), -len(k), k) for k in ("MUST NOT", "MUST", "SHOULD NOT",
                                                            "SHOULD", "MAY") if k in text]
            level = min(hits)[2] if hits else ""  # the first keyword of the requirement
            if rid.startswith("SW-TIME-") and int(rid[-2:]) < 90:
                level = level or "MUST"
            reqs[rid] = (level, section, re.sub(r"\s+", " ", text)[:300])
    return reqs, errors


def check_vectors(spec_path, tools_dir):
    """Every byte vector of SPEC §3.2/§3.3 recomputed with PyQt5 (skipped if unavailable)."""
    try:
        import importlib.util
        spec = importlib.util.spec_from_file_location("vectors", os.path.join(tools_dir, "spec-vectors.py"))
        v = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(v)
    except (ImportError, SystemExit):
        print("check-docs: PyQt5 not importable: byte vectors not rechecked (use /usr/bin/python3)")
        return []
    text = open(spec_path, encoding="utf-8").read()
    errors = []
    for table in (v.DEFAULT, v.VENDOR):
        for name, t, p in table:
            want = v.hx(v.ds(("i32", t), ("i32", p)))
            if "`%s` | `%s`" % (name, want) not in text and "`%s` `%s`" % (name, want) not in text:
                errors.append("SPEC.md: vector of %s (%d,%d) should be %s" % (name, t, p, want))
    trailer = v.hx(v.ds(("i32", 2), ("i32", 2), ("u32", 7), ("str", "call-id=a1")))
    if trailer not in text:
        errors.append("SPEC.md: trailer example should be " + trailer)
    stop = v.ds(("i32", 2), ("i32", 2))
    for label, item in (("QCopRegisterChannel", v.register("QPE/ServiceSwitch/ToIPTV")),
                        ("QCopSend", v.qcop_send("QPE/ServiceSwitch/ToIPTV", "switchService(int,int)", stop)),
                        ("QCopMessage", v.qcop_message("QPE/ServiceSwitch/ToIPTV", "switchService(int,int)", stop))):
        for off in range(0, len(item), 16):
            row = "%04x  %s" % (off, v.hx(item[off:off + 16]))
            if row not in text:
                errors.append("SPEC.md: %s framing row should read %r" % (label, row))
    return errors


def annex_c(spec_path):
    """Requirement ids of SPEC Annex C (no harness check can judge them), with the reason."""
    text = open(spec_path, encoding="utf-8").read()
    start = text.find("## Annex C.")
    if start < 0:
        return {}
    end = text.find("\n## ", start + 1)
    part = text[start:end if end > 0 else len(text)]
    rows = re.findall(r"^\| `(SW-[A-Z]+-\d\d)` \| ([^|]+)\|", part, re.M)
    return {rid: why.strip() for rid, why in rows}


def check_coverage_declared(root, reqs, cat, scen_dir):
    """Every MUST has a check that can raise an issue for it (issue registry or check table in
    sim/runner, or a scenario expectation naming it) and a catalogue test that lists it, or a
    reasoned row in SPEC Annex C. (What really ran is `stbsim coverage`.)"""
    errors = []
    untestable = annex_c(os.path.join(root, "SPEC.md"))
    for rid in untestable:
        if rid not in reqs:
            errors.append("SPEC.md Annex C: %s is not defined" % rid)
    runner = os.path.join(os.path.dirname(root), "sim", "runner")
    judged = set()
    for path in glob.glob(os.path.join(runner, "sr-issues.c")) + glob.glob(os.path.join(runner, "sr-check-*.c")):
        for args in re.findall(r"REQ \(([^)]*)\)", open(path, encoding="utf-8").read()):
            judged.update(ID_RE.findall(args))
    for path in glob.glob(os.path.join(scen_dir, "**", "*.scenario"), recursive=True):
        judged.update(re.findall(r"requirement=(SW-[A-Z]+-\d\d)", open(path, encoding="utf-8").read()))
        judged.update(re.findall(r"budget=(SW-TIME-\d\d)", open(path, encoding="utf-8").read()))
    tested = set()
    for g in cat.sections():
        for k in LISTED_KEYS:
            tested.update(x.strip() for x in cat[g].get(k, "").split(",") if x.strip())
    gaps = {}
    gaps_path = os.path.join(root, "coverage-gaps.txt")
    if os.path.exists(gaps_path):
        for line in open(gaps_path, encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                gaps[line.split()[0]] = line.strip()
    for rid, (level, _, _) in sorted(reqs.items()):
        if not level.startswith("MUST") or rid in untestable:
            continue
        missing = [what for what, ok in (("no check", rid in judged), ("no test", rid in tested)) if not ok]
        if not missing and rid in gaps:
            errors.append("coverage-gaps.txt: %s has a check and a test now: delete its line" % rid)
        elif missing and rid in gaps:
            continue
        elif missing:
            errors.append("%s (%s): %s: add a check (sim/runner/sr-issues.c, sr-check-*.c or a "
                          "scenario expectation) and a catalogue test, or a reasoned row in SPEC "
                          "Annex C" % (rid, level, " and ".join(missing)))
    for rid in gaps:
        if rid not in reqs:
            errors.append("coverage-gaps.txt: %s is not defined in SPEC.md" % rid)
    print("check-docs: MUST requirements: %d; untestable (Annex C): %d; known gaps "
          "(coverage-gaps.txt): %d" % (sum(1 for r in reqs.values() if r[0].startswith("MUST")),
                                       len(untestable), len(gaps)))
    return errors


def main(argv):
    index = None
    if len(argv) > 1 and argv[1] == "--index":
        index = argv[2]
        argv = argv[:1] + argv[3:]
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    errors = []
    reqs, errs = spec_requirements(os.path.join(root, "SPEC.md"))
    errors += errs
    for rid, (level, _, text) in reqs.items():
        if not level and not rid.startswith("SW-TMR-0") and not rid.startswith("SW-TIME"):
            errors.append("SPEC.md: %s has no MUST/SHOULD/MAY" % rid)
    times = sorted(r for r in reqs if r.startswith("SW-TIME-") and int(r[-2:]) < 90)

    ref_ics = ini(os.path.join(root, "ics", "reference.ini"))
    cat = ini(os.path.join(root, "catalogue.ini"))
    cases = 0
    for g in cat.sections():
        if g == "catalogue":
            continue
        cases += 1
        sec = cat[g]
        if not re.match(r"^TC-[A-Z0-9]+(-[A-Z0-9]+)*-\d\d$", g):
            errors.append("catalogue [%s]: id not TC-NAME-nn" % g)
        for k in ("scenario", "summary", "purpose", "requirements", "dut", "layouts"):
            if not sec.get(k):
                errors.append("catalogue [%s]: missing %s" % (g, k))
        for l in ("bidirectional", "unidirectional"):
            if sec.get("requirements_" + l) and l not in (x.strip() for x in sec.get("layouts", "").split(",")):
                errors.append("catalogue [%s] requirements_%s: the test does not run in that layout" % (g, l))
        for k in LISTED_KEYS:
            for rid in filter(None, (x.strip() for x in sec.get(k, "").split(","))):
                if rid not in reqs:
                    errors.append("catalogue [%s] %s: %s not in SPEC.md" % (g, k, rid))
                if k == "timing" and not rid.startswith("SW-TIME-"):
                    errors.append("catalogue [%s] timing: %s is not SW-TIME" % (g, rid))
        for d in sec.get("dut", "").split(","):
            if d.strip() not in ("iptv", "voip"):
                errors.append("catalogue [%s] dut: %r" % (g, d))
        for l in sec.get("layouts", "").split(","):
            if l.strip() not in ("bidirectional", "unidirectional"):
                errors.append("catalogue [%s] layouts: %r" % (g, l))
        for k in ("ics", "ics_iptv", "ics_voip"):
            for item in filter(None, (x.strip() for x in sec.get(k, "").split(","))):
                grp, _, key = item.rpartition(".")
                ok = ref_ics.has_option(grp, key) if grp else any(
                    ref_ics.has_option(s, key) for s in ref_ics.sections())
                if not ok:
                    errors.append("catalogue [%s] %s: %s not an ICS item" % (g, k, item))
        for n in filter(None, (x.strip() for x in sec.get("needs", "").split(","))):
            if n not in ("none", "sip", "media", "netns"):
                errors.append("catalogue [%s] needs: %r" % (g, n))
        if sec.get("group", "") not in ("flow", "edge", "robustness", "timing"):
            errors.append("catalogue [%s] group: %r" % (g, sec.get("group")))

    for prof in sorted(glob.glob(os.path.join(root, "profiles", "*.ini"))):
        p = ini(prof)
        name = os.path.basename(prof)
        for grp in ("profile", "tolerances", "budgets", "budgets_p95"):
            if not p.has_section(grp):
                errors.append("%s: missing [%s]" % (name, grp))
        for grp in ("budgets", "budgets_p95"):
            if not p.has_section(grp):
                continue
            keys = set(p[grp].keys())
            for t in times:
                if t not in keys:
                    errors.append("%s: [%s] lacks %s" % (name, grp, t))
            for k in keys - set(times):
                errors.append("%s: [%s] %s is not a SW-TIME interval of SPEC.md" % (name, grp, k))
            for k in keys:
                try:
                    if float(p[grp][k]) <= 0:
                        raise ValueError
                except ValueError:
                    errors.append("%s: [%s] %s=%r is not a positive number" % (name, grp, k, p[grp][k]))
        if p.has_section("budgets") and p.has_section("budgets_p95"):
            for k in p["budgets_p95"]:
                if k in p["budgets"] and float(p["budgets_p95"][k]) > float(p["budgets"][k]):
                    errors.append("%s: %s p95 budget above the max budget" % (name, k))
        if p.get("profile", "timing_verdict", fallback="") not in ("fail", "warn"):
            errors.append("%s: [profile] timing_verdict must be fail or warn" % name)

    scen_dir = os.path.join(os.path.dirname(root), "scenarios")
    for path in sorted(glob.glob(os.path.join(scen_dir, "**", "*.scenario"), recursive=True)):
        for i, line in enumerate(open(path, encoding="utf-8")):
            for rid in ID_RE.findall(line):
                if rid not in reqs:
                    errors.append("%s:%d: %s not in SPEC.md" % (os.path.relpath(path, scen_dir), i + 1, rid))

    errors += check_vectors(os.path.join(root, "SPEC.md"), os.path.join(root, "tools"))
    errors += check_coverage_declared(root, reqs, cat, scen_dir)

    if index:
        with open(index, "w", encoding="utf-8") as f:
            f.write("# id\tlevel\tsection\ttext  (generated by conformance/tools/check-docs.py)\n")
            for rid in sorted(reqs, key=lambda r: (r.split("-")[1], r)):
                level, section, text = reqs[rid]
                f.write("%s\t%s\t%s\t%s\n" % (rid, level, section, text.replace("\t", " ")))
    for e in errors:
        print("check-docs: " + e)
    print("check-docs: %d requirements, %d test cases, %d SW-TIME intervals, %d errors"
          % (len(reqs), cases, len(times), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
