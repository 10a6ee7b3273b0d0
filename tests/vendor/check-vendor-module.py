#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check-vendor-module: a vendor module skeleton passes the IPTV-DUT suite (both layouts).

Runs exactly what examples/vendor-module/README.md tells a vendor to run,
`stbsim suite conformance --ics examples/vendor-module/<name>/ics.ini`, through the runner's
real vendor path (the module is launched from its ICS [ixit] template), and asserts:
  - exit code 0 and every test case `pass`;
  - the set of test cases is the one the README lists (both layouts; make check: a subset,
    SUBSET below; --all: every case): a suite that selected nothing, or fewer cases, fails
    here instead of passing empty;
  - with --snapshots: the screen pictures the scenarios take (callee-accept, caller-remote-
    hangup) are in results.json and are PNG files of the QVFb screen (720x576), and the
    player page and the hidden page differ (the module really painted); with --qt4-dir too
    (QT_QWS_FONTDIR for the run: the runner's stb-qcopd writes Qt's font database cache) the
    player page shows the channel name as text (white pixels in its name band).
Then one negative run proves the check can fail: the same module given a lineup without
channel 1 (so the digit key 1 tunes nothing) must fail TC-CALLEE-01 on SW-IPTV-02.

Usage: check-vendor-module.py --build-root B --source-root S --module c-iptv|qt-iptv
       [--snapshots] [--qt4-dir QT] [--all]
"""

import argparse
import configparser
import glob
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import zlib

RUN_TIMEOUT_S = 800  # the run, ASan build on a loaded 2-core machine; then its group is killed

# The IPTV-DUT cases the skeletons' ICS selects (agent=yes, live=no, vod=no, dialect=yes) in
# injection mode; examples/vendor-module/README.md lists the same, with why. A vendor runs all
# of them (--all); make check runs SUBSET, one case per kind of behaviour (start-up, caller,
# callee with the screen, restart through the ICS template, robustness, dialect): 11 of the 26
# instances, because the whole suite takes 10+ minutes in the ASan build on a loaded machine.
EXPECTED = [
    "TC-CHAN-01", "TC-CALLER-02", "TC-CALLEE-01", "TC-NAV-01", "TC-ROBUST-01", "TC-ROBUST-02",
    "TC-ROBUST-03", "TC-ROBUST-04", "TC-ROBUST-05", "TC-DUP-01", "TC-PEER-02", "TC-RST-02",
    "TC-RACE-01", "TC-DIALECT-01",
]
SUBSET = ["TC-CHAN-01", "TC-CALLER-02", "TC-CALLEE-01", "TC-RST-02", "TC-ROBUST-01",
          "TC-DIALECT-01"]
ONE_LAYOUT = {"TC-ROBUST-04": "bidirectional", "TC-DIALECT-01": "unidirectional"}
SNAPSHOTS = {
    "TC-CALLEE-01": ["incoming-call", "video-page", "tv-after-call"],
    "TC-CALLER-02": ["in-call", "nav-after-call"],
}


def expected_ids(cases):
    ids = set()
    for t in cases:
        for layout in ("bidirectional", "unidirectional"):
            if ONE_LAYOUT.get(t, layout) == layout:
                ids.add("%s.%s" % (t, layout))
    return ids


def run_suite(args, ics, report_dir, extra=()):
    argv = [os.path.join(args.build_root, "sim", "runner", "stbsim"), "suite", "conformance",
            "--ics", ics, "--report-dir", report_dir, "--quiet",
            # the ci profile makes a budget overshoot a warning: this test judges behaviour,
            # and timing on a loaded sanitizer build is no verdict (timing is `make bench-*`)
            "--profile", "ci"] + list(extra)
    env = dict(os.environ)
    if args.qt4_dir:
        # the font directory of the Qt module and of the runner's stb-qcopd --display N, which
        # writes the font database cache for it (the module then draws names)
        env["QT_QWS_FONTDIR"] = os.path.join(args.qt4_dir, "lib", "fonts")
    proc = subprocess.Popen(argv, cwd=args.source_root, stdout=subprocess.PIPE, env=env,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        sys.exit("FAIL: stbsim did not finish within %d s:\n%s" % (RUN_TIMEOUT_S, out))
    runs = glob.glob(os.path.join(report_dir, "*", "results.json"))
    if len(runs) != 1:
        sys.exit("FAIL: expected one results.json under %s (exit %d):\n%s"
                 % (report_dir, proc.returncode, out))
    with open(runs[0], encoding="utf-8") as f:
        return proc.returncode, json.load(f), os.path.dirname(runs[0]), out


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def png_rgb(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB PNG, as `qcop snapshot` writes."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if (depth, colour, interlace) != (8, 2, 0):
                raise ValueError("%s: not 8-bit RGB non-interlaced" % path)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, rows, stride, prev = zlib.decompress(idat), [], width * 3, bytearray(width * 3)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # PNG filters: None, Sub, Up, Average, Paeth
            a = line[i - 3] if i >= 3 else 0
            b, c = prev[i], prev[i - 3] if i >= 3 else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xff
            elif kind == 2:
                line[i] = (line[i] + b) & 0xff
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xff
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xff
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def text_pixels(path, top, bottom):
    """Near-white pixels in rows top..bottom-1: the player page's channel name (the skeleton
    draws it white in a black band, with the font cache stb-qcopd writes)."""
    _, _, rows = png_rgb(path)
    return sum(1 for row in rows[top:bottom] for i in range(0, len(row), 3)
               if min(row[i], row[i + 1], row[i + 2]) >= 0xc0)


def check_snapshots(results, run_dir, qt4_dir):
    problems = []
    for t in results["tests"]:
        name = t["id"].split(".")[0]
        want = SNAPSHOTS.get(name)
        if not want:
            continue
        got = {s["name"]: s["path"] for s in t.get("snapshots", [])}
        for w in want:
            if w not in got:
                problems.append("%s: no snapshot %s (has %s)" % (t["id"], w, sorted(got)))
                continue
            path = os.path.join(run_dir, got[w])
            size = png_size(path) if os.path.exists(path) else None
            if size != (720, 576):
                problems.append("%s: %s is not a 720x576 PNG (%s)" % (t["id"], path, size))
        if name == "TC-CALLEE-01" and not problems:
            with open(os.path.join(run_dir, got["incoming-call"]), "rb") as a, \
                 open(os.path.join(run_dir, got["video-page"]), "rb") as b:
                if a.read() == b.read():
                    problems.append("%s: the player page and the hidden page are the same "
                                    "picture" % t["id"])
            # the player page names the channel ("News 24", about 600 white pixels at 40 px)
            for w in ("incoming-call", "tv-after-call") if qt4_dir else ():
                n = text_pixels(os.path.join(run_dir, got[w]), 456, 536)
                if n < 150:
                    problems.append("%s: %s shows no channel name (%d white pixels in its "
                                    "band y 456..535)" % (t["id"], got[w], n))
    return problems


def negative_run(args, ics_path, tmp):
    """The module with a lineup that lacks channel 1 must fail TC-CALLEE-01 (about 5 s)."""
    ics = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",))
    ics.optionxform = str
    ics.read(ics_path, encoding="utf-8")
    lineup = os.path.join(tmp, "no-channel-1.ini")
    with open(lineup, "w", encoding="utf-8") as f:
        f.write("[channel 2]\nname=Sports\n")
    ics["ixit"]["iptv_command"] = ics["ixit"]["iptv_command"].replace(
        "--lineup {lineup}", "--lineup " + lineup)
    faulty = os.path.join(tmp, "faulty-ics.ini")
    with open(faulty, "w", encoding="utf-8") as f:
        ics.write(f)
    rc, results, _, out = run_suite(args, faulty, os.path.join(tmp, "negative"),
                                    ["-t", "TC-CALLEE-01", "--layout", "bidirectional"])
    verdicts = [t["verdict"] for t in results["tests"]]
    reqs = {i["requirement"] for t in results["tests"] for i in t["issues"]
            if i["level"] == "fail"}
    if rc != 1 or verdicts != ["fail"] or "SW-IPTV-02" not in reqs:
        sys.exit("FAIL: the module without channel 1 was not failed on SW-IPTV-02 (exit %d, "
                 "verdicts %s, failed requirements %s):\n%s" % (rc, verdicts, sorted(reqs), out))
    print("negative run: no channel 1 -> %s on SW-IPTV-02 (exit %d), as it must" % (verdicts, rc))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-root", required=True)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--module", required=True, choices=["c-iptv", "qt-iptv"])
    ap.add_argument("--snapshots", action="store_true")
    ap.add_argument("--qt4-dir", help="Qt/Embedded 4.8 prefix: QT_QWS_FONTDIR=DIR/lib/fonts")
    ap.add_argument("--all", action="store_true", help="every case, not make check's subset")
    args = ap.parse_args()
    ics = os.path.join(args.source_root, "examples", "vendor-module", args.module, "ics.ini")
    with tempfile.TemporaryDirectory(prefix="check-vendor-") as tmp:
        cases = EXPECTED if args.all else SUBSET
        select = [] if args.all else ["-t", "^(%s)\\." % "|".join(cases)]
        rc, results, run_dir, out = run_suite(args, ics, os.path.join(tmp, "reports"), select)
        verdicts = {t["id"]: t["verdict"] for t in results["tests"]}
        bad = {k: v for k, v in verdicts.items() if v != "pass"}
        missing = expected_ids(cases) - set(verdicts)
        extra = set(verdicts) - expected_ids(cases)
        for tid, v in sorted(verdicts.items()):
            print("%-40s %s" % (tid, v))
        problems = []
        if rc != 0 or bad:
            problems.append("exit %d, not passed: %s" % (rc, bad))
        if missing or extra:
            problems.append("test set differs from the README's: missing %s, unexpected %s"
                            % (sorted(missing), sorted(extra)))
        if args.snapshots:
            problems += check_snapshots(results, run_dir, args.qt4_dir)
        if problems:
            print(out)
            for t in results["tests"]:
                for i in t["issues"]:
                    if i["level"] != "pass":
                        print("  %s: %s %s %s" % (t["id"], i["id"], i["requirement"],
                                                  i["evidence"]))
            sys.exit("FAIL: %s: %s" % (args.module, "; ".join(problems)))
        print("%s: %d test instances pass (both layouts)%s" % (
            args.module, len(verdicts), ", screen snapshots present" if args.snapshots else ""))
        negative_run(args, ics, tmp)


if __name__ == "__main__":
    main()
