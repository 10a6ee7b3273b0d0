/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers for the runner's end-to-end suites: run stbsim, read its results.json. */

#include <json-glib/json-glib.h>

#include "stbsim-test.h"

G_BEGIN_DECLS

/* Run the built stbsim with @args, a fresh report dir under @tmpdir, --quiet and the ci
 * profile (timing budgets only warn: these suites judge function on a busy machine).
 * Returns its exit code; @results gets results.json, @out_dir (optional) the run directory. */
gint sr_test_stbsim (const gchar *tmpdir, const gchar *const *args, JsonParser **results,
                     gchar **out_dir);
/* Run the built stbsim with @args (NULL-terminated) in @cwd under LC_ALL=C; its exit code,
 * stdout and stderr. */
gint sr_test_stbsim_output (const gchar *cwd, const gchar *const *args, gchar **out, gchar **err);
/* The one run directory stbsim made in @reports (fails the test otherwise). */
gchar *sr_test_only_run_dir (const gchar *reports);
/* Test @i of results.json (transfer none). */
JsonObject *sr_test_object (JsonParser *results, guint i);
/* "id requirement: evidence" of every issue of test @i, for failure messages. */
gchar *sr_test_issues_text (JsonParser *results, guint i);

G_END_DECLS
