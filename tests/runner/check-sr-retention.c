/* SPDX-License-Identifier: MIT */
/* Report size and retention (issue 13): --keep-artifacts compresses a passing test's heavy
 * files and drops its generated media, keeps a failing test's as written, `none` removes a
 * passing test's; --keep-runs prunes the oldest run directories, never the current one. */

#include <string.h>

#include "sr-retention.h"
#include "stbsim-test.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-retention");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static void
put (const gchar *dir, const gchar *name, gsize size)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *parent = g_path_get_dirname (path);
  ck_assert_int_eq (g_mkdir_with_parents (parent, 0755), 0);
  g_autofree gchar *text = g_strnfill (size, 'x'); /* compresses well, like logs */
  ck_assert (g_file_set_contents (path, text, (gssize)size, NULL));
}

static gboolean
exists (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* A report with one test @id of verdict @v whose artifacts are written. */
static SrReport *
make_run (const gchar *id, SrVerdict v, SrKeepArtifacts keep, SrTestResult **out)
{
  SrReport *r = sr_report_new ("run", tmpdir);
  r->keep_artifacts = keep;
  SrTestResult *t = sr_test_result_new (id);
  t->finished = TRUE;
  sr_test_result_set_verdict (t, v);
  g_ptr_array_add (r->tests, t);
  g_autofree gchar *logs = g_build_filename (tmpdir, "logs", id, NULL);
  g_autofree gchar *tests = g_build_filename (tmpdir, "tests", id, NULL);
  put (logs, "voip.log", 100000);
  put (tests, "capture.pcapng", 50000);
  put (tests, "qcop-trace.jsonl", 20000);
  put (tests, "headend/vod/movie.mp4", 300000);
  *out = t;
  return r;
}

START_TEST (test_pass_compressed)
{
  SrTestResult *t;
  g_autoptr (SrReport) r = make_run ("a", SR_VERDICT_PASS, SR_KEEP_FAILED, &t);
  guint64 before = 0, after = 0;
  sr_retention_apply (r, t, &before, &after);
  ck_assert_uint_eq (before, 470000);
  ck_assert_msg (after < 10000, "still %" G_GUINT64_FORMAT " bytes", after);
  g_autofree gchar *tests = g_build_filename (tmpdir, "tests", "a", NULL);
  g_autofree gchar *logs = g_build_filename (tmpdir, "logs", "a", NULL);
  ck_assert (exists (tests, "capture.pcapng.gz") && !exists (tests, "capture.pcapng"));
  ck_assert (exists (tests, "qcop-trace.jsonl.gz") && exists (logs, "voip.log.gz"));
  ck_assert (!exists (tests, "headend/vod/movie.mp4"));
  /* the compressed log is the log */
  g_autofree gchar *gz = g_build_filename (logs, "voip.log.gz", NULL);
  const gchar *argv[] = { "gzip", "-t", gz, NULL };
  gint status = -1;
  ck_assert (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                           &status, NULL));
  ck_assert (g_spawn_check_wait_status (status, NULL));
}
END_TEST

START_TEST (test_fail_kept)
{
  SrTestResult *t;
  g_autoptr (SrReport) r = make_run ("b", SR_VERDICT_FAIL, SR_KEEP_FAILED, &t);
  guint64 before = 0, after = 0;
  sr_retention_apply (r, t, &before, &after);
  ck_assert_uint_eq (before, after);
  g_autofree gchar *tests = g_build_filename (tmpdir, "tests", "b", NULL);
  ck_assert (exists (tests, "capture.pcapng") && exists (tests, "headend/vod/movie.mp4"));
}
END_TEST

START_TEST (test_all_and_none)
{
  SrTestResult *t;
  g_autoptr (SrReport) all = make_run ("c", SR_VERDICT_PASS, SR_KEEP_ALL, &t);
  guint64 before = 0, after = 0;
  sr_retention_apply (all, t, &before, &after);
  ck_assert_uint_eq (before, after);
  g_autoptr (SrReport) none = make_run ("d", SR_VERDICT_PASS, SR_KEEP_NONE, &t);
  sr_retention_apply (none, t, &before, &after);
  ck_assert_uint_eq (after, 0);
  ck_assert_int_eq (sr_keep_artifacts_from_string (NULL), SR_KEEP_FAILED);
  ck_assert_str_eq (sr_keep_artifacts_to_string (sr_keep_artifacts_from_string ("none")), "none");
}
END_TEST

START_TEST (test_keep_runs)
{
  const gchar *runs[] = { "20260101T000000Z-0001", "20260102T000000Z-0002", "20260103T000000Z-0003",
                          "20260104T000000Z-0004" };
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree gchar *dir = g_build_filename (tmpdir, runs[i], NULL);
      put (dir, "results.json", 10);
      put (dir, "logs/x/iptv.log", 10);
    }
  g_autofree gchar *other = g_build_filename (tmpdir, "README.md", NULL);
  ck_assert (g_file_set_contents (other, "not a run", -1, NULL));
  g_autofree gchar *notrun = g_build_filename (tmpdir, "keep-me", NULL);
  put (notrun, "notes.txt", 10);
  /* the newest 2 stay; so does the current run, here the oldest name */
  g_autoptr (GError) error = NULL;
  gint removed = sr_retention_prune_runs (tmpdir, 2, runs[0], &error);
  ck_assert_msg (removed == 1, "%d: %s", removed, error ? error->message : "");
  ck_assert (exists (tmpdir, runs[0]) && exists (tmpdir, runs[2]) && exists (tmpdir, runs[3]));
  ck_assert (!exists (tmpdir, runs[1]));
  /* the usual case: the current run is the newest and counts among the N */
  ck_assert_int_eq (sr_retention_prune_runs (tmpdir, 1, runs[3], NULL), 2);
  ck_assert (exists (tmpdir, runs[3]) && !exists (tmpdir, runs[0]) && !exists (tmpdir, runs[2]));
  ck_assert (exists (tmpdir, "README.md") && exists (tmpdir, "keep-me"));
  g_autofree gchar *nodir = g_build_filename (tmpdir, "nodir", NULL);
  ck_assert_int_eq (sr_retention_prune_runs (nodir, 1, NULL, NULL), -1);
}
END_TEST

static Suite *
retention_suite (void)
{
  Suite *s = suite_create ("sr-retention");
  TCase *core = tcase_create ("core");
  tcase_set_timeout (core, 30);
  tcase_add_checked_fixture (core, setup, teardown);
  tcase_add_test (core, test_pass_compressed);
  tcase_add_test (core, test_fail_kept);
  tcase_add_test (core, test_all_and_none);
  tcase_add_test (core, test_keep_runs);
  suite_add_tcase (s, core);
  return s;
}

int
main (void)
{
  return stbsim_test_run (retention_suite ());
}
