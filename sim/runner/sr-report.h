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
  gchar *ics_path; /* NULL: none */
  GKeyFile *ics;   /* (nullable) */
  gchar *command_line;
  gboolean finished;    /* FALSE while running or when interrupted */
  gchar *interrupted;   /* reason, or NULL */
  GPtrArray *tests;     /* SrTestResult* (owned) */
  SrTimeline *timeline; /* (nullable) whole run */
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
/* A plain-text summary table for the console. */
gchar *sr_report_summary (const SrReport *report);

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

G_END_DECLS
