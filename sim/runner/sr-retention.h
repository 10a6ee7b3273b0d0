/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Report size and retention: what happens to a test's heavy artifacts once it is judged
 * (`--keep-artifacts`), and pruning of old run directories (`--keep-runs N`).
 *
 * Heavy artifacts are the process logs under logs/<test-id>/ and the files under
 * tests/<test-id>/ other than the QCOP server trace (qcop-trace.jsonl: `stbsim bench` reads it
 * back, and it is small) and the report files: captures, the IMS core's run directory,
 * media logs. With the default policy (failed) a test that did not pass keeps everything as
 * written; for a passing test every heavy file is gzip-compressed in place (NAME.gz).
 * `none` removes them for passing tests instead; `all` keeps everything.
 */

#include <glib.h>

#include "sr-report.h"

G_BEGIN_DECLS

/* "failed" (and NULL), "all", "none". Unknown text is "failed" (the CLI validates first). */
SrKeepArtifacts sr_keep_artifacts_from_string (const gchar *text);
const gchar *sr_keep_artifacts_to_string (SrKeepArtifacts keep);

/* Apply @report->keep_artifacts to the finished test @t. Returns the bytes the test's
 * artifacts took before and after (either may be NULL). */
void sr_retention_apply (const SrReport *report, const SrTestResult *t, guint64 *before,
                         guint64 *after);

/* Bytes under @path (files only, symlinks not followed). */
guint64 sr_retention_du (const gchar *path);

/* Remove all but the newest @keep run directories in @report_dir (names sort by time: run ids
 * start with a UTC timestamp), never @current. Only directories that hold a results.json or
 * junit.xml are run directories. Returns how many were removed, -1 with @error. */
gint sr_retention_prune_runs (const gchar *report_dir, guint keep, const gchar *current,
                              GError **error);

G_END_DECLS
