#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Faults of the harness's own parts during a run (issue 11, deliverable 6).

Usage: check-harness-faults.py --build-root DIR --source-root DIR CASE

Each CASE starts `stbsim` in a session of its own, waits for a real signal (a line of the
QCOP server's trace, which stb-qcopd writes as it happens) to pick the moment, injects the
fault and then checks what a user or a CI job sees:
  - the verdict and exit code the reports/README.md contract gives (an infrastructure fault
    is `error`, exit 3, and no issue blames a DUT requirement; a report that could not be
    written is never exit 0);
  - nothing left behind: no process of the run's session (stbsim and everything it started,
    components included: they have process groups of their own but stay in its session) and
    no socket directory of the run (/tmp/stbsim-*, named in the server trace);
  - a valid report: results.json parses, junit.xml is well-formed (and valid against
    ci/junit.xsd when xmllint is there), and the test that was running is marked
    interrupted, never "not run".

Cases: kamailio-killed, qcopd-killed, runner-sigkill, runner-sigint, report-disk-full,
never-connects (the same verdict in both layouts), input-limits (every input file bounded). Exit 0 pass, 1 fail, 77 skip (with "SKIP: reason").
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

BOUND_S = 90.0  # generous: a loaded 2-core CI machine
POLL_S = 0.02
ARGS = None


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def wait_for(pred, what, bound=BOUND_S):
    """Wait (bounded) until pred() returns something true; polls a real condition."""
    deadline = time.monotonic() + bound
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise Failure("timed out after %.0f s waiting for %s" % (bound, what))
        time.sleep(POLL_S)


# ---- processes of a session ------------------------------------------------------------------


def proc_stat(pid):
    """(comm, state, ppid, pgrp, session) of /proc/PID, or None when it is gone."""
    try:
        with open("/proc/%s/stat" % pid, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    comm = data[data.index("(") + 1 : data.rindex(")")]
    rest = data[data.rindex(")") + 2 :].split()
    return comm, rest[0], int(rest[1]), int(rest[2]), int(rest[3])


def cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def session_procs(sid):
    """Live (non-zombie) processes of session @sid: {pid: (comm, ppid)}."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = proc_stat(name)
        if st and st[4] == sid and st[1] != "Z":
            out[int(name)] = (st[0], st[2])
    return out


def reap_orphans():
    """We are a child subreaper: orphans of the run end up as our children; reap them."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


# ---- one stbsim run --------------------------------------------------------------------------


class Run:
    def __init__(self, args, report_dir):
        self.report_dir = report_dir
        exe = os.path.join(ARGS.build_root, "sim", "runner", "stbsim")
        self.argv = [exe] + args + ["--report-dir", report_dir, "--no-capture"]
        self.p = subprocess.Popen(
            self.argv,
            cwd=ARGS.source_root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.sid = self.p.pid
        self.out, self.err = [], []
        self.threads = [
            threading.Thread(target=self._drain, args=(self.p.stdout, self.out), daemon=True),
            threading.Thread(target=self._drain, args=(self.p.stderr, self.err), daemon=True),
        ]
        for t in self.threads:
            t.start()
        # its first line names the run directory ("... report in DIR")
        wait_for(lambda: self.out[:1] or self.p.poll() is not None, "stbsim's first line")
        check(self.out, "stbsim printed nothing: %s" % self.text())
        line = self.out[0]
        check("report in " in line, "unexpected first line: %r" % line)
        self.run_dir = line.split("report in ", 1)[1].strip()

    @staticmethod
    def _drain(stream, sink):
        for raw in iter(stream.readline, b""):
            sink.append(raw.decode("utf-8", "replace"))

    def text(self):
        return "".join(self.out) + "".join(self.err)

    def trace_path(self, test_id):
        return os.path.join(self.run_dir, "tests", test_id, "qcop-trace.jsonl")

    def wait_trace(self, test_id, pred, what):
        """The first line of the test's server trace for which pred(obj) holds."""
        path = self.trace_path(test_id)

        def find():
            if self.p.poll() is not None:
                raise Failure("stbsim exited (%s) before %s:\n%s" % (self.p.returncode, what, self.text()))
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    for line in f:
                        if not line.endswith("\n"):
                            break
                        try:
                            obj = json.loads(line)
                        except ValueError:
                            continue
                        if pred(obj):
                            return obj
            except OSError:
                return None
            return None

        return wait_for(find, "%s in %s" % (what, path))

    def socket_dir(self, test_id):
        start = self.wait_trace(
            test_id, lambda o: o.get("kind") == "server" and o.get("type") == "start", "the server's start line"
        )
        return os.path.dirname(start["socket"])

    def find_proc(self, pred, what):
        def find():
            for pid, (comm, ppid) in session_procs(self.sid).items():
                if pred(pid, comm, ppid):
                    return pid
            return None

        return wait_for(find, what)

    def wait_exit(self):
        try:
            rc = self.p.wait(timeout=BOUND_S * 2)
        except subprocess.TimeoutExpired:
            raise Failure("stbsim did not exit within %.0f s" % (BOUND_S * 2))
        for t in self.threads:
            t.join(timeout=BOUND_S)
        return rc

    def kill_session(self):
        """Teardown after a failed check: SIGKILL whatever of the session is left, by PID."""
        for pid in session_procs(self.sid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def assert_nothing_left(run, sock_dirs):
    def gone():
        reap_orphans()
        return not session_procs(run.sid)

    try:
        wait_for(gone, "every process of the run's session to exit", bound=60)
    except Failure:
        left = ["%d %s %s" % (pid, comm, " ".join(cmdline(pid))) for pid, (comm, _) in session_procs(run.sid).items()]
        raise Failure("processes left behind by the run:\n  " + "\n  ".join(left))
    for d in sock_dirs:
        check(not os.path.exists(d), "the run's socket directory %s was left behind" % d)


# ---- the report ------------------------------------------------------------------------------


def load_report(run):
    path = os.path.join(run.run_dir, "results.json")
    try:
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError) as e:
        raise Failure("results.json does not parse: %s" % e)
    junit = os.path.join(run.run_dir, "junit.xml")
    try:
        ET.parse(junit)
    except (OSError, ET.ParseError) as e:
        raise Failure("junit.xml is not well-formed: %s" % e)
    xmllint = shutil.which("xmllint")
    xsd = os.path.join(ARGS.source_root, "ci", "junit.xsd")
    if xmllint and os.path.exists(xsd):
        r = subprocess.run([xmllint, "--noout", "--schema", xsd, junit], capture_output=True, text=True)
        check(r.returncode == 0, "junit.xml is not valid against ci/junit.xsd: %s" % r.stderr)
    return results, ET.parse(junit)


def test_of(results, test_id):
    for t in results["tests"]:
        if t["id"] == test_id:
            return t
    raise Failure("results.json has no test %s" % test_id)


def junit_case(tree, test_id):
    for tc in tree.iter("testcase"):
        if tc.get("name") == test_id:
            return tc
    raise Failure("junit.xml has no testcase %s" % test_id)


def assert_interrupted(results, tree, test_id):
    t = test_of(results, test_id)
    check(t.get("state") == "interrupted", "%s: state %r, expected 'interrupted'" % (test_id, t.get("state")))
    check(not t["finished"], "%s: finished although interrupted" % test_id)
    err = junit_case(tree, test_id).find("error")
    check(err is not None, "junit.xml: %s has no <error>" % test_id)
    msg = err.get("message", "")
    check("interrupted" in msg and "not run" not in msg, "junit.xml: %s: message %r" % (test_id, msg))


def assert_not_run(results, tree, test_id):
    t = test_of(results, test_id)
    check(t.get("state") == "not-run", "%s: state %r, expected 'not-run'" % (test_id, t.get("state")))
    err = junit_case(tree, test_id).find("error")
    check(err is not None and "not run" in err.get("message", ""), "junit.xml: %s is not 'not run'" % test_id)


def assert_infrastructure_error(run, rc, results, test_id, issue):
    check(rc == 3, "exit code %s, expected 3 (error):\n%s" % (rc, run.text()))
    check(results["verdict"] == "error", "run verdict %s, expected error" % results["verdict"])
    t = test_of(results, test_id)
    check(t["verdict"] == "error", "%s: verdict %s, expected error" % (test_id, t["verdict"]))
    ids = [i["id"] for i in t["issues"]]
    check(issue in ids, "%s: no %s issue (issues: %s)" % (test_id, issue, ids))
    blamed = [
        "%s %s %s" % (i["id"], i["requirement"], i["evidence"])
        for i in t["issues"]
        if i["level"] in ("fail", "inconc") or i["id"].startswith("dut::")
    ]
    check(not blamed, "%s: an infrastructure fault blamed the DUT:\n  %s" % (test_id, "\n  ".join(blamed)))


# ---- trace predicates ------------------------------------------------------------------------


def is_switch(param_hex):
    """The server received a switch message (type 1 = IPTV->VoIP) with this parameter."""

    def pred(o):
        return (
            o.get("kind") == "cmd"
            and o.get("type") == "QCopSend"
            and str(o.get("message", "")).startswith("switchService(")
            and str(o.get("data", "")).lower().startswith(param_hex)
        )

    return pred


def is_agent_event(text):
    needle = text.encode("utf-16-be").hex()

    def pred(o):
        return o.get("channel") == "STBSim/Events" and needle in str(o.get("data", "")).lower()

    return pred


# ---- the cases -------------------------------------------------------------------------------


def component_killed(tmp, args, tid, moment, moment_what, victim, victim_what):
    """Run @args; at the first trace line @moment of test @tid, SIGKILL the process
    @victim picks: an infrastructure error (exit 3) that blames no DUT, nothing left."""
    run = Run(args, tmp)
    try:
        sock = run.socket_dir(tid)
        run.wait_trace(tid, moment, moment_what)
        os.kill(run.find_proc(victim, victim_what), signal.SIGKILL)
        rc = run.wait_exit()
        results, _ = load_report(run)
        assert_infrastructure_error(run, rc, results, tid, "run::component-exited")
        assert_nothing_left(run, [sock])
    finally:
        run.kill_session()


def case_qcopd_killed(tmp):
    """stb-qcopd killed (SIGKILL) right after it received CALLER_SHOW_VIDEO_PAGE."""
    component_killed(
        tmp,
        ["run", "scenarios/caller.scenario", "-l", "bidirectional"],
        "caller.bidirectional",
        is_switch("0000000100000001"),
        "CALLER_SHOW_VIDEO_PAGE at the server",
        lambda p, comm, pp: comm == "stb-qcopd",
        "the stb-qcopd process",
    )


def case_kamailio_killed(tmp):
    """Kamailio killed (SIGKILL) during an established call (sipp caller, SIP mode)."""
    for tool in ("kamailio", "sipp"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            skip("%s is not installed" % tool)
    scenario = os.path.join(ARGS.source_root, "tests", "harness", "kamailio-mid-call.scenario")
    # the call is up (the far end holds it for 60 s): the runner now waits for its end
    component_killed(
        tmp,
        ["run", scenario, "--mode", "sip", "-l", "bidirectional"],
        "kamailio-mid-call.bidirectional",
        is_agent_event("state=established"),
        "voip.call state=established",
        lambda p, comm, pp: comm == "kamailio" and (proc_stat(pp) or ("",))[0] == "stbsim-ims",
        "the main kamailio process (child of stbsim-ims)",
    )


def runner_killed(tmp, sig):
    tid, tid2 = "caller.bidirectional", "caller.unidirectional"
    run = Run(["run", "scenarios/caller.scenario"], tmp)
    try:
        sock = run.socket_dir(tid)
        run.wait_trace(tid, is_switch("0000000100000001"), "CALLER_SHOW_VIDEO_PAGE at the server")
        os.kill(run.p.pid, sig)
        rc = run.wait_exit()
        assert_nothing_left(run, [sock])
        results, tree = load_report(run)
        if sig == signal.SIGINT:
            check(rc == 3, "exit code %s after SIGINT, expected 3:\n%s" % (rc, run.text()))
            check(results["verdict"] == "error" and results["exit_code"] == 3, "run verdict %s" % results["verdict"])
            check(results["interrupted"], "results.json: 'interrupted' is empty after SIGINT")
        else:
            check(rc == -signal.SIGKILL, "stbsim was not killed by SIGKILL (%s)" % rc)
        check(results["finished"] is False, "results.json says the run finished")
        assert_interrupted(results, tree, tid)
        assert_not_run(results, tree, tid2)
    finally:
        run.kill_session()


def case_runner_sigkill(tmp):
    """The runner killed with SIGKILL mid-test: the report on disk is all a user gets."""
    runner_killed(tmp, signal.SIGKILL)


def case_runner_sigint(tmp):
    """The runner interrupted with SIGINT (Ctrl-C) mid-test."""
    runner_killed(tmp, signal.SIGINT)


def mount_small_tmpfs(path, size):
    """A private mount namespace for this process with a tmpfs of @size at @path."""
    if os.geteuid() != 0:
        skip("a size-limited report directory needs root (mount namespace + tmpfs)")
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 0x4000, 1 << 18
    if libc.unshare(CLONE_NEWNS) != 0:
        skip("unshare(CLONE_NEWNS): %s" % os.strerror(ctypes.get_errno()))
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        skip("mount --make-rprivate /: %s" % os.strerror(ctypes.get_errno()))
    opts = ("size=%d,mode=0755" % size).encode()
    if libc.mount(b"tmpfs", path.encode(), b"tmpfs", 0, opts) != 0:
        skip("mount tmpfs: %s" % os.strerror(ctypes.get_errno()))


def fill(path):
    """Write @path until the file system is full (ENOSPC)."""
    block = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        for _ in range(1 << 16):
            try:
                f.write(block)
            except OSError:
                return
    raise Failure("the report file system never filled up")


def case_report_disk_full(tmp):
    """The report directory's file system fills up during the first test."""
    reports = os.path.join(tmp, "small")
    os.mkdir(reports)
    mount_small_tmpfs(reports, 8 << 20)
    try:
        tid = "caller.bidirectional"
        run = Run(["run", "scenarios/caller.scenario"], reports)
        try:
            sock = run.socket_dir(tid)
            run.wait_trace(tid, is_switch("0000000100000001"), "CALLER_SHOW_VIDEO_PAGE at the server")
            fill(os.path.join(reports, "filler"))
            rc = run.wait_exit()
            check(rc == 3, "exit code %s with a full report directory, expected 3:\n%s" % (rc, run.text()))
            check("cannot write the report" in run.text(), "stbsim did not say the report could not be written")
            assert_nothing_left(run, [sock])
            # what is on disk is the last report that could be written: it parses and does
            # not pass the test that was running when the disk filled up
            results, tree = load_report(run)
            check(results["verdict"] != "pass", "the stale report says pass")
            assert_interrupted(results, tree, tid)
        finally:
            run.kill_session()
    finally:
        subprocess.run(["umount", "-l", reports], check=False)


def case_never_connects(tmp):
    """A VoIP DUT that never connects: the same verdict and issue in both layouts."""
    scenario = os.path.join(ARGS.source_root, "tests", "harness", "never-connects.scenario")
    run = Run(["run", scenario, "--dut", "voip=sleep 600"], tmp)
    try:
        rc = run.wait_exit()
        results, _ = load_report(run)
        seen = {}
        for t in results["tests"]:
            worst = [i["id"] + ":" + str(i["requirement"]) for i in t["issues"] if i["level"] == t["verdict"]]
            seen[t["layout"]] = (t["verdict"], worst)
        check(len(seen) == 2, "expected both layouts, got %s" % seen)
        check(seen["bidirectional"] == seen["unidirectional"], "verdicts differ by layout: %s" % seen)
        check(seen["bidirectional"][0] == "fail", "a DUT that never connects is not a failure: %s" % seen)
        check(any(w.startswith("dut::never-ready") for w in seen["bidirectional"][1]), "no dut::never-ready: %s" % seen)
        check(rc == 1, "exit code %s, expected 1 (fail)" % rc)
        assert_nothing_left(run, [])
    finally:
        run.kill_session()


def case_input_limits(tmp):
    """Every input file the runner reads goes through the limited reader (4 MiB, regular
    files only): /dev/zero and an oversized file end the run at once with an error naming the
    file (exit 3 or 4), instead of reading until memory runs out."""
    big = os.path.join(tmp, "big.ini")
    with open(big, "wb") as f:
        f.write(b"[x]\n" + b"a" * (5 << 20))
    exe = os.path.join(ARGS.build_root, "sim", "runner", "stbsim")
    zap = ["run", "scenarios/zap.scenario", "-l", "bidirectional"]
    for bad in ("/dev/zero", big):
        for args in (
            ["suite", "conformance", "--ics", bad],
            zap + ["--profile", bad],
            zap + ["--dialect", bad],
            ["suite", "conformance", "--catalogue", bad],
            ["bench", "-t", "TC-ZAP-01", "--repeat", "1", "--baseline", bad],
        ):
            reports = tempfile.mkdtemp(dir=tmp)
            argv = [exe] + args + ["--report-dir", reports, "--no-capture", "--quiet"]
            try:
                r = subprocess.run(argv, cwd=ARGS.source_root, capture_output=True, timeout=BOUND_S, text=True)
            except subprocess.TimeoutExpired:
                raise Failure("%s: still reading after %.0f s" % (" ".join(args), BOUND_S))
            said = r.stdout + r.stderr
            for res in [os.path.join(d, "results.json") for d in os.listdir(reports)]:
                with open(os.path.join(reports, res), encoding="utf-8") as f:
                    said += f.read()
            check(r.returncode in (3, 4), "%s: exit %d, expected 3 or 4:\n%s" % (" ".join(args), r.returncode, said))
            # (a --profile that is no regular file is looked up as a name in
            # conformance/profiles/, which then does not exist: refused as well)
            check(
                "not a regular file" in said or "larger than" in said or "cannot open" in said,
                "%s: the error does not say why the file was refused:\n%s" % (" ".join(args), said[-2000:]),
            )


class Skip(Exception):
    pass


def skip(why):
    raise Skip(why)


CASES = {
    "kamailio-killed": case_kamailio_killed,
    "qcopd-killed": case_qcopd_killed,
    "runner-sigkill": case_runner_sigkill,
    "runner-sigint": case_runner_sigint,
    "report-disk-full": case_report_disk_full,
    "never-connects": case_never_connects,
    "input-limits": case_input_limits,
}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-root", required=True)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    ARGS = ap.parse_args()
    ARGS.build_root = os.path.abspath(ARGS.build_root)
    ARGS.source_root = os.path.abspath(ARGS.source_root)
    become_subreaper()
    tmp = tempfile.mkdtemp(prefix="harness-faults-")
    try:
        CASES[ARGS.case](tmp)
    except Skip as e:
        print("SKIP: %s" % e)
        return 77
    except Failure as e:
        print("FAIL %s: %s" % (ARGS.case, e))
        print("reports kept in %s" % tmp)
        return 1
    print("ok %s" % ARGS.case)
    if os.environ.get("HARNESS_KEEP"):
        print("reports kept in %s (HARNESS_KEEP)" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
