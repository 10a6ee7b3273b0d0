/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reports of one run, under reports/<run-id>/: junit.xml, results.json, trace.jsonl,
 * report.html (self-contained). Every file is written atomically (temporary file + rename),
 * and the runner rewrites them after each test case, so an interrupted run still leaves a
 * consistent report in which unfinished tests are marked.
 */

#include <glib.h>

#include "sr-timeline.h"
#include "sr-verdict.h"

G_BEGIN_DECLS

/* What happens to a test's heavy artifacts (media logs, captures) once it is judged
 * (`--keep-artifacts`, sr-retention.c). */
typedef enum
{
  SR_KEEP_FAILED = 0, /* default: kept for tests that did not pass, compressed for passes */
  SR_KEEP_ALL,        /* everything kept as written */
  SR_KEEP_NONE,       /* removed for passes, compressed for the others */
} SrKeepArtifacts;

/* A catalogue case the selection left out, and why ("ICS voip.video=no"). */
typedef struct
{
  gchar *id;     /* catalogue case id */
  gchar *reason; /* without the "not applicable: " prefix */
} SrNotApplicable;

SrNotApplicable *sr_not_applicable_new (const gchar *id, const gchar *reason);
void sr_not_applicable_free (SrNotApplicable *na);

/* Verdict counts over a report's tests (an unfinished test counts as error and unfinished). */
typedef struct
{
  guint total, pass, fail, inconc, error, unfinished, not_applicable;
} SrReportCounts;

typedef struct
{
  gchar *run_id;
  gchar *run_dir;
  gchar *started_utc; /* ISO 8601 */
  gchar *suite_name;  /* "conformance" or the scenario name */
  gchar *mode;        /* "sip" or "injection" */
  gchar *profile;     /* timing profile name */
  gchar *dut_iptv;    /* "reference (stb-iptv)" or the vendor command */
  gchar *dut_voip;
  gchar *ics_path;               /* NULL: none */
  GKeyFile *ics;                 /* (nullable) */
  gchar *command_line;           /* every argument shell-quoted (g_shell_quote), joined by spaces */
  gchar *harness_version;        /* (nullable) "0.1.0" */
  gchar *harness_commit;         /* (nullable) git describe at build time */
  gchar *host;                   /* (nullable) hostname; NULL: g_get_host_name () */
  gchar *source_root;            /* (nullable) paths in junit.xml are made relative to it */
  gboolean junit_inconc_skipped; /* --junit-inconclusive=skipped (default: failure) */
  SrKeepArtifacts keep_artifacts; /* applied after each test (sr-retention.h) */
  guint64 artifact_bytes_written; /* tests' logs + files as the tests left them */
  guint64 artifact_bytes_kept;    /* ... after --keep-artifacts */
  GPtrArray *not_applicable;      /* SrNotApplicable* (owned): cases the selection left out */
  gboolean finished;              /* FALSE while running or when interrupted */
  gchar *interrupted;             /* reason, or NULL */
  GPtrArray *tests;               /* SrTestResult* (owned) */
  SrTimeline *timeline;           /* (nullable) whole run */
  /* stbsim bench (sr-bench.c): members appended to results.json (a JsonNode object, owned,
   * nullable) and a section appended to report.html (owned, nullable) */
  struct _JsonNode *extra_json;
  gchar *extra_html;
} SrReport;

SrReport *sr_report_new (const gchar *run_id, const gchar *run_dir);
void sr_report_free (SrReport *report);
/* Overall verdict: max over tests (NONE if there are none). */
SrVerdict sr_report_verdict (const SrReport *report);

gchar *sr_report_junit (const SrReport *report);
gchar *sr_report_json (const SrReport *report);
gchar *sr_report_html (const SrReport *report);
gchar *sr_report_trace_jsonl (const SrTimeline *timeline);
/* A plain-text summary for the console: one row per test that did not pass (every test when
 * @verbose), the counts and the overall verdict. */
gchar *sr_report_summary_full (const SrReport *report, gboolean verbose);
/* sr_report_summary_full (report, TRUE). */
gchar *sr_report_summary (const SrReport *report);
void sr_report_counts (const SrReport *report, SrReportCounts *counts);
/* The exit code of the run: sr_verdict_exit_code() of the verdict, except that a selection of
 * only not-applicable tests (nothing to run, all of it accounted for) exits 0. */
int sr_report_exit_code (const SrReport *report);
/* Wall time from the first test's start to the last test's end, in seconds (0: none). */
gdouble sr_report_duration_s (const SrReport *report);
/* @path relative to @report->source_root when it lies under it (transfer full). */
gchar *sr_report_repo_path (const SrReport *report, const gchar *path);
/* The file and line of the decisive scenario line of @t: the first "FILE.scenario:LINE" in the
 * evidence of the issue that decided the verdict. FALSE when there is none. */
gboolean sr_report_decisive_line (const SrTestResult *t, gchar **file, guint *line);

/* @text made fit for every report (transfer full, NULL for NULL): invalid UTF-8, characters
 * XML 1.0 forbids (C0 controls but tab/LF/CR, U+FFFE, U+FFFF), DEL and C1 controls become
 * U+FFFD. Every string from a scenario, the DUT, the ICS or the network goes through it. */
gchar *sr_report_clean_text (const gchar *text);
/* sr_report_clean_text() then g_markup_escape_text() (NULL is ""). */
gchar *sr_report_markup_escape (const gchar *text);

/* Write @contents to @path atomically (temp file in the same dir + rename, mode 0644). */
gboolean sr_report_write_file (const gchar *path, const gchar *contents, GError **error);
/* All four files. */
gboolean sr_report_write_all (const SrReport *report, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrReport, sr_report_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrNotApplicable, sr_not_applicable_free)

G_END_DECLS
