/* SPDX-License-Identifier: MIT */
/*
 * End to end: `stbsim bench --repeat 3` on one short scenario through the real stack: the
 * repetitions run, results.json gets "bench", "distributions" (n, p50/p95/p99, hop, samples)
 * and "regressions", report.html the distribution table, --save-baseline a loadable baseline;
 * comparing 3 runs with it is inconclusive (too few samples, exit 2); a corrupt baseline is
 * an error naming the file before anything runs. No timing assertions.
 */

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "stbsim-test.h"

#define CASE "^TC-CALLER-02\\.bidirectional"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-bench");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

typedef struct
{
  gint status;
  gchar *out, *err;
  gchar *dir; /* the run directory, or NULL */
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
  g_free (r->dir);
}

/* stbsim bench @args... on the test cases @filter with a fresh report dir. */
static void
bench_tests (Result *r, const gchar *filter, const gchar *const *args)
{
  static guint n;
  g_autofree gchar *exe = stbsim_test_build_path ("sim/runner/stbsim");
  g_autofree gchar *reports = g_strdup_printf ("%s/reports-%u", tmpdir, n++);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const gchar *fixed[]
      = { exe, "bench", "--repeat", "3", "-t", filter, "--report-dir", reports, "--quiet",
          /* budgets only warn: function, not timing, is tested here */
          "--profile", "ci" };
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (gpointer)fixed[i]);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  memset (r, 0, sizeof *r);
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &r->status, &error),
                 "%s", error ? error->message : "");
  ck_assert_msg (WIFEXITED (r->status), "stbsim died: %s", r->err);
  r->status = WEXITSTATUS (r->status);
  g_autoptr (GDir) dir = g_dir_open (reports, 0, NULL);
  const gchar *name = dir ? g_dir_read_name (dir) : NULL;
  r->dir = name ? g_build_filename (reports, name, NULL) : NULL;
}

static void
bench (Result *r, const gchar *const *args)
{
  bench_tests (r, CASE, args);
}

static JsonObject *
load_results (JsonParser *p, const Result *r)
{
  ck_assert_msg (r->dir != NULL, "no run directory\n%s\n%s", r->out, r->err);
  g_autofree gchar *json = g_build_filename (r->dir, "results.json", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert_msg (json_parser_load_from_file (p, json, &error), "%s", error ? error->message : "");
  return json_node_get_object (json_parser_get_root (p));
}

static void
assert_distributions (JsonObject *root, const Result *r)
{
  ck_assert_msg (json_object_has_member (root, "distributions"), "%s", r->out);
  JsonArray *d = json_object_get_array_member (root, "distributions");
  ck_assert_uint_ge (json_array_get_length (d), 2); /* qcop.transit + the scenario's measures */
  gboolean saw_measure = FALSE;
  for (guint i = 0; i < json_array_get_length (d); i++)
    {
      JsonObject *o = json_array_get_object_element (d, i);
      const gchar *keys[]
          = { "id", "hop", "n", "p50_ms", "p95_ms", "p99_ms", "samples_ms", "baseline", "verdict" };
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        ck_assert_msg (json_object_has_member (o, keys[k]), "distribution %u lacks %s", i, keys[k]);
      const gchar *id = json_object_get_string_member (o, "id");
      gint64 n = json_object_get_int_member (o, "n");
      ck_assert_int_eq (n, json_array_get_length (json_object_get_array_member (o, "samples_ms")));
      if (g_str_has_prefix (id, "SW-TIME-"))
        {
          saw_measure = TRUE;
          ck_assert_int_eq (n, 3); /* one sample per repetition */
          ck_assert (json_object_get_double_member (o, "p50_ms")
                     <= json_object_get_double_member (o, "p99_ms"));
        }
    }
  ck_assert_msg (saw_measure, "no SW-TIME distribution\n%s", r->out);
  ck_assert (json_object_has_member (root, "regressions"));
  JsonObject *b = json_object_get_object_member (root, "bench");
  ck_assert_int_eq (json_object_get_int_member (b, "repeat"), 3);
  JsonArray *tests = json_object_get_array_member (root, "tests");
  ck_assert_uint_eq (json_array_get_length (tests), 3);
  ck_assert_str_eq (json_object_get_string_member (json_array_get_object_element (tests, 2), "id"),
                    "TC-CALLER-02.bidirectional.r03");
}

START_TEST (test_bench_repeat_and_baseline)
{
  g_autofree gchar *saved = g_build_filename (tmpdir, "baseline.json", NULL);
  const gchar *save_args[] = { "--save-baseline", saved, NULL };
  Result r;
  bench (&r, save_args);
  ck_assert_msg (r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
  ck_assert_ptr_nonnull (strstr (r.out, "base_p95")); /* the table on stdout */
  ck_assert_ptr_nonnull (strstr (r.out, "p_value"));
  ck_assert_ptr_nonnull (strstr (r.out, "thresholds: a regression is"));
  ck_assert_ptr_nonnull (strstr (r.out, "SW-TIME-07"));
  g_autoptr (JsonParser) p = json_parser_new ();
  assert_distributions (load_results (p, &r), &r);
  g_autofree gchar *html_path = g_build_filename (r.dir, "report.html", NULL);
  g_autofree gchar *html = NULL;
  ck_assert (g_file_get_contents (html_path, &html, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (html, "Benchmark: latency per hop against the baseline"));
  ck_assert_ptr_nonnull (strstr (html, "class=\"cdf\"")); /* a CDF per id */
  /* the bench table comes before the per-run detail */
  ck_assert (strstr (html, "Benchmark: latency") < strstr (html, "<h2>Verdicts</h2>"));
  g_autofree gchar *btext = NULL;
  ck_assert (g_file_get_contents (saved, &btext, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (btext, "stbsim-baseline-1"));
  result_clear (&r);

  /* against that baseline: 3 samples per id are too few to judge -> inconclusive */
  const gchar *cmp_args[] = { "--baseline", saved, NULL };
  bench (&r, cmp_args);
  ck_assert_msg (r.status == 2, "exit %d\n%s\n%s", r.status, r.out, r.err);
  g_autoptr (JsonParser) p2 = json_parser_new ();
  JsonObject *root = load_results (p2, &r);
  assert_distributions (root, &r);
  ck_assert_str_eq (
      json_object_get_string_member (json_object_get_object_member (root, "bench"), "verdict"),
      "inconc");
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (root, "regressions")), 0);
  ck_assert_ptr_nonnull (strstr (r.out, "insufficient"));
  /* and says why, in words */
  ck_assert_msg (strstr (r.out, "not judged: 3 current / 3 baseline samples, 10 needed"), "%s",
                 r.out);
  result_clear (&r);
}
END_TEST

/* The head-end's log of one test: how many bursts it served (SPEC §14 RAMS-R answered). */
static guint
bursts_served (const Result *r, const gchar *test_id)
{
  g_autofree gchar *path = g_build_filename (r->dir, "logs", test_id, "headend.log", NULL);
  g_autofree gchar *text = NULL;
  ck_assert_msg (g_file_get_contents (path, &text, NULL, NULL), "no %s", path);
  guint n = 0;
  for (const gchar *p = text; (p = strstr (p, "burst channel ")) != NULL; p++)
    n++;
  return n;
}

/* --compare-no-fcc: each round of a case that measures a live first frame runs again with our
 * IPTV module's fast channel change off; the plain join's first frames get their own id and the
 * two are shown side by side. The arm really plays without a burst: its head-end served none. */
START_TEST (test_bench_compare_no_fcc)
{
  const gchar *args[] = { "--compare-no-fcc", "--keep-artifacts", "all", NULL };
  Result r;
  bench_tests (&r, "^TC-ZAP-01\\.bidirectional", args);
  ck_assert_msg (r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *root = load_results (p, &r);
  JsonArray *tests = json_object_get_array_member (root, "tests");
  ck_assert_uint_eq (json_array_get_length (tests), 6); /* rounds interleaved */
  ck_assert_str_eq (json_object_get_string_member (json_array_get_object_element (tests, 1), "id"),
                    "TC-ZAP-01.bidirectional.no-fcc.r01");
  ck_assert_uint_gt (bursts_served (&r, "TC-ZAP-01.bidirectional.r01"), 0);
  ck_assert_uint_eq (bursts_served (&r, "TC-ZAP-01.bidirectional.no-fcc.r01"), 0);
  JsonArray *d = json_object_get_array_member (root, "distributions");
  guint found = 0;
  for (guint i = 0; i < json_array_get_length (d); i++)
    {
      JsonObject *o = json_array_get_object_element (d, i);
      const gchar *id = json_object_get_string_member (o, "id");
      if (g_str_equal (id, "SW-TIME-09") || g_str_equal (id, "SW-TIME-09/no-fcc"))
        {
          found++;
          ck_assert_int_eq (json_object_get_int_member (o, "n"), 3);
        }
      /* the arm adds first frames only: its protocol hops are not counted twice */
      ck_assert_msg (!g_str_has_suffix (id, "/no-fcc") || g_str_equal (id, "SW-TIME-09/no-fcc"),
                     "%s", id);
    }
  ck_assert_uint_eq (found, 2);
  JsonArray *cmp = json_object_get_array_member (root, "fast_channel_change");
  ck_assert_uint_eq (json_array_get_length (cmp), 1);
  JsonObject *c = json_array_get_object_element (cmp, 0);
  ck_assert_str_eq (json_object_get_string_member (c, "id"), "SW-TIME-09");
  ck_assert_int_eq (json_object_get_int_member (json_object_get_object_member (c, "without"), "n"),
                    3);
  ck_assert_msg (strstr (r.out, "SW-TIME-09: with fast channel change p50"), "%s", r.out);
  g_autofree gchar *html_path = g_build_filename (r.dir, "report.html", NULL);
  g_autofree gchar *html = NULL;
  ck_assert (g_file_get_contents (html_path, &html, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (html, "Live first frame with and without fast channel change"));
  result_clear (&r);
}
END_TEST

START_TEST (test_bench_corrupt_baseline)
{
  g_autofree gchar *bad = g_build_filename (tmpdir, "corrupt.json", NULL);
  ck_assert (g_file_set_contents (bad, "{\"format\": \"stbsim-baseline-1\", \"late", -1, NULL));
  const gchar *args[] = { "--baseline", bad, NULL };
  Result r;
  bench (&r, args);
  ck_assert_msg (r.status == 3, "exit %d\n%s\n%s", r.status, r.out, r.err);
  ck_assert_msg (strstr (r.err, bad) != NULL, "file name not in: %s", r.err);
  ck_assert_ptr_null (r.dir); /* nothing ran */
  result_clear (&r);
}
END_TEST

static Suite *
bench_suite (void)
{
  Suite *s = suite_create ("sr-bench");
  TCase *tc = tcase_create ("bench");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_bench_repeat_and_baseline);
  tcase_add_test (tc, test_bench_corrupt_baseline);
  tcase_add_test (tc, test_bench_compare_no_fcc);
  tcase_set_timeout (tc, 240);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return stbsim_test_run (bench_suite ());
}
