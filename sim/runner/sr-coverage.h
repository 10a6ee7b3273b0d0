/* SPDX-License-Identifier: MIT */
#pragma once

/* `stbsim coverage RUN_DIR...`: requirement -> checks -> tests from real runs (sr-coverage.c). */

#include <glib.h>

G_BEGIN_DECLS

/* Print the matrix and a summary. Returns the number of MUST requirements neither covered in
 * the runs nor listed as untestable (SPEC Annex C), or -1 with @error. */
gint sr_coverage_print (const gchar *source_root, const gchar *const *run_dirs, gboolean verbose,
                        GError **error);

G_END_DECLS
