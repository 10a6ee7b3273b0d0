/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Merging run directories into one: the children of `stbsim suite -j N` (one test each) and
 * the shards of `stbsim suite --shard K/N` run on several machines (`stbsim merge`).
 *
 * A run directory is read back through its results.json (read tolerantly: unknown members
 * are ignored, missing ones get defaults) into the report structures of sr-report.h, so the
 * merged junit.xml, results.json and report.html come from the same writers as a single
 * run's. Each test's events come from the input's trace.jsonl (lines carrying "test": that
 * test's; otherwise the lines within the test's [start, end] time), per-test directories
 * (tests/<id>/ with captures, logs/<id>/) are moved or copied over, and benchmark
 * distributions (results.json "distributions") are pooled per (id, hop) with the host of
 * every input named.
 *
 * The merged trace.jsonl is grouped by test in test-id order (time order within a test; each
 * line carries "test"): tests of different processes or machines overlap in time, and two
 * machines' monotonic clocks are not comparable.
 */

#include <glib.h>

#include "sr-report.h"

G_BEGIN_DECLS

#define SR_MERGE_ERROR (sr_merge_error_quark ())
GQuark sr_merge_error_quark (void);

typedef enum
{
  SR_MERGE_ERROR_INPUT,     /* unreadable or invalid results.json / trace.jsonl */
  SR_MERGE_ERROR_FILESYSTEM /* moving/copying per-test directories */
} SrMergeError;

typedef struct _SrMerge SrMerge;

/* A merge into @report (borrowed; its tests may hold "not run" placeholders that inputs
 * replace by id). */
SrMerge *sr_merge_new (SrReport *report);
void sr_merge_free (SrMerge *merge);

/* Read run directory @dir and add its tests to the report (replacing a placeholder, or a
 * not-finished result, of the same id; a test finished in two inputs, e.g. the same bench
 * case on two machines, is kept twice, the second as "<id>@<host>"). @move: rename per-test
 * directories and logs into the report's run directory (same file system, used by -j), else copy
 * them (stbsim merge).
 * @host (nullable): the input's host when results.json does not name one. */
gboolean sr_merge_add_dir (SrMerge *merge, const gchar *dir, gboolean move, const gchar *host,
                           GError **error);

/* Sort the tests by id, rebuild the pooled benchmark section and write junit.xml,
 * results.json, report.html and trace.jsonl (each atomically). */
gboolean sr_merge_write (SrMerge *merge, GError **error);

/* How many distinct hosts the inputs merged so far came from. */
guint sr_merge_n_hosts (SrMerge *merge);

/* `stbsim merge RUN_DIR... -o OUT`: exit code as stbsim's (the merged overall verdict; 4 usage,
 * 3 unreadable input). */
int sr_merge_main (int argc, char **argv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrMerge, sr_merge_free)

G_END_DECLS
