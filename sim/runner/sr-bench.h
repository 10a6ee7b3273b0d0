/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `stbsim bench`: run each selected test case N times, collect every `measure` latency per id
 * (the budget id, SW-TIME-xx, else the measure name) into distributions, broken down per hop
 * (key press, channel transit, SIP, media first frame), plus the run's own QCOP server
 * forwarding time from the server traces ("qcop.transit", the per-run speed reference);
 * compare them with a stored baseline (sr-baseline.h) using sr-stats.h; print a table, add
 * "bench", "distributions" and "regressions" to results.json and a table to report.html.
 * See fixtures/baselines/README.md.
 */

#include <glib.h>

#include "sr-baseline.h"
#include "sr-report.h"
#include "sr-run.h"
#include "sr-stats.h"

G_BEGIN_DECLS

typedef struct
{
  guint repeat;          /* 0: the catalogue's repeat= of each case (else 20) */
  gchar *baseline_path;  /* (nullable) compare against */
  gchar *save_path;      /* (nullable) write the measured distributions as a baseline */
  gchar *catalogue_path; /* for repeat= and timing= */
  /* Also run, round by round, the cases that measure a live first frame (timing= SW-TIME-09,
   * -21 or -23) with our IPTV module's fast channel change off (--no-fcc), and set those
   * first-frame distributions, "<id>" SR_BENCH_NO_FCC_SUFFIX, beside the fast ones. */
  gboolean compare_no_fcc;
} SrBenchOptions;

#define SR_BENCH_NO_FCC_INFIX ".no-fcc"  /* test ids of the comparison arm: <id>.no-fcc.rNN */
#define SR_BENCH_NO_FCC_SUFFIX "/no-fcc" /* their first-frame distributions: SW-TIME-21/no-fcc */

/* The regex of the catalogue's test cases that have timing= or repeat= (for -t), or NULL with
 * @error. */
gchar *sr_bench_default_filter (const gchar *catalogue_path, GError **error);

/* Each test of @tests @opts->repeat times (or its catalogue repeat=), with ids
 * "<id>.rNN", each round followed by "<id>.no-fcc.rNN" where @opts->compare_no_fcc applies
 * (transfer full, SrTestSpec*). */
GPtrArray *sr_bench_expand (const SrBenchOptions *opts, GPtrArray *tests);

/* Before running: check that the baseline (if any) loads, then sr_bench_expand(). NULL with
 * @error (naming the file) when it does not. */
GPtrArray *sr_bench_prepare (const SrBenchOptions *opts, GPtrArray *tests, GError **error);

/* "key", "channel", "sip" or "media" for a measure from @from to @to. */
const gchar *sr_bench_hop (const gchar *from, const gchar *to);

/* Distributions of every latency of @report's tests plus "qcop.transit" from the tests'
 * server traces under @report->run_dir (transfer full, SrDistribution*). */
GPtrArray *sr_bench_collect (const SrReport *report);

/* Regression parameters from a profile's [regression] section (@profile nullable). */
void sr_bench_params_from_profile (GKeyFile *profile, SrCompareParams *params);

/*
 * After the suite ran: collect, compare with the baseline (if any), print the table, attach
 * the results to @report and rewrite its files, save a baseline if asked. Returns the verdict
 * merged with the benchmark's (regression: fail; too few samples: inconc; baseline unreadable:
 * error).
 */
SrVerdict sr_bench_finish (const SrBenchOptions *opts, const SrConfig *config, SrReport *report,
                           SrVerdict verdict);

G_END_DECLS
