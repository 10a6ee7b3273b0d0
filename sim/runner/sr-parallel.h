/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The suite in parallel on one machine (`stbsim suite -j N`) and in shards across machines
 * (`stbsim suite --shard K/N`).
 *
 * -j N: process-level parallelism. The parent runs each selected test instance (test id x
 * layout) as a child `stbsim suite` with `-t '^ID$' --run-dir PARENT/.children/ID --ports
 * FIRST-LAST`: its own run directory, QCOP socket directory, Kamailio (stbsim-ims on a port
 * of the child's range), netns names (stbsim-ims names them after its own PID), captures and
 * sipp ports (from the child's range). Each child is an stbsim_proc (own process group,
 * PDEATHSIG = SIGTERM, output in logs/ID/stbsim.log). When one finishes, its run directory is
 * merged into the parent's (sr-merge.h): the report files are rewritten after every child, in
 * test-id order. SIGINT/SIGTERM: every running child gets SIGTERM by PID (it stops its
 * components and writes its report), a bounded wait, then SIGKILL; the merged report marks
 * the unfinished tests.
 *
 * Ports: a parallel run leases one block of 1024 UDP ports below the kernel's ephemeral range
 * (20480-32767, 12 blocks; it holds the block's first port bound for the whole run, so two
 * parallel runs on one machine take different blocks) and gives child slot s its own
 * sub-range. A port picked from a range is never handed out by the kernel to anyone else
 * (bind(0) only picks from the ephemeral range), and a child picks sequentially, so no two
 * tests can be given the same port between the pick and the bind.
 */

#include <glib.h>

#include "sr-report.h"
#include "sr-ports.h"
#include "sr-run.h"

G_BEGIN_DECLS

/* The default -j: min(2 x online CPUs - the 1-minute load average, MemAvailable / 256 MiB),
 * at least 1, at most 16. A test waits on protocol timers most of the time (about half a
 * core each), so two per CPU keep the CPUs busy; on a machine others already load, their load
 * is subtracted (a starved media start-up misses its 5 s expectation: measured at load 40 on
 * 2 CPUs). @why (nullable) gets the rule with this machine's numbers. */
guint sr_parallel_default_jobs (gchar **why);

/* "-j" values: a number >= 1, or "auto" / "0" = sr_parallel_default_jobs(). */
gboolean sr_parallel_parse_jobs (const gchar *text, guint *jobs, GError **error);

/* "K/N" with 1 <= K <= N <= 1024. */
gboolean sr_shard_parse (const gchar *text, guint *k, guint *n, GError **error);

/* Keep shard @k of @n of @tests (SrTestSpec*): the tests sorted by id, then every N-th from
 * the K-th on (sorted round-robin: stable for a given selection, shard sizes differ by at most
 * one, and each shard gets a mix of the catalogue). Removes the others in place. */
void sr_shard_select (GPtrArray *tests, guint k, guint n);

/* {"shard": {"spec": "K/N", "host": this machine's name}}, for SrReport.extra_json: the merge
 * names each shard's host (transfer full). */
struct _JsonNode *sr_shard_json (const gchar *spec);
/* Add the members of @shard_json (sr_shard_json()) to @report's extra_json after a bench
 * replaced it, and rewrite results.json. FALSE (printed) if it cannot be written. */
gboolean sr_shard_json_add (SrReport *report, struct _JsonNode *shard_json);

/*
 * Run @tests (SrTestSpec*) in up to @jobs child processes; @child_args: the stbsim command the
 * children run, without -t/--run-dir/--ports (e.g. {"/path/stbsim", "suite", "conformance",
 * "--mode", "sip", NULL}). Fills @report like sr_suite_run() (in test-id order), writes it
 * after every child. Returns the overall verdict.
 *
 * Scheduling: longest first (LPT), by each test's duration in the newest of the earlier runs
 * in @history (nullable; the report directory): the long timing and media tests no longer
 * start last and make the tail. Tests never measured start first; without history, the
 * selection's order. The order only changes when a test starts, never a verdict.
 */
SrVerdict sr_parallel_run (const SrConfig *config, SrReport *report, GPtrArray *tests,
                           const gchar *const *child_args, guint jobs, const gchar *history,
                           gboolean progress);

G_END_DECLS
