/* SPDX-License-Identifier: MIT */
/*
 * stbsim load end to end, kept small: 2 STBs, 20 registered background subscribers, two load
 * steps (0 and 2 background calls/s), one callee-accept + resume cycle per STB per step. The
 * run must complete every cycle, write the load curve (results.json "load": per step and hop
 * n / p50 / p95, CPU, PSS per STB), one test per step with every sample as a latency, and
 * leave no process behind (every one is stopped by PID). Bad options are usage errors (exit 4).
 * No timing assertions. Skips (77) without kamailio or sipp.
 */

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "sr-test-util.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = stbsim_test_mkdtemp ("check-sr-load");
}

static void
teardown (void)
{
  stbsim_test_rmtree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gint
stbsim_load (const gchar *const *args, gchar **out, gchar **err)
{
  g_autofree gchar *exe = stbsim_test_build_path ("sim/runner/stbsim");
  g_autofree gchar *reports = g_build_filename (tmpdir, "reports", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, "load");
  g_ptr_array_add (argv, "--report-dir");
  g_ptr_array_add (argv, reports);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  gint status = 0;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out,
                               err, &status, &error),
                 "%s", error ? error->message : "");
  ck_assert_msg (WIFEXITED (status), "stbsim load died: %s", *err);
  return WEXITSTATUS (status);
}

START_TEST (test_usage_errors)
{
  const gchar *bad[][3] = { { "--stbs", "0", NULL },
                            { "--mix", "0,0,0", NULL },
                            { "--steps", "5,x", NULL },
                            { "--steps", "5000", NULL } };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *out = NULL, *err = NULL;
      gint rc = stbsim_load (bad[i], &out, &err);
      ck_assert_msg (rc == 4, "%s %s: exit %d, want 4 (%s)", bad[i][0], bad[i][1], rc, err);
      ck_assert_msg (strstr (err, bad[i][0]) != NULL, "%s not named: %s", bad[i][0], err);
    }
}
END_TEST

START_TEST (test_small_load_run)
{
  g_autofree gchar *kamailio = g_find_program_in_path ("kamailio");
  g_autofree gchar *sipp = g_find_program_in_path ("sipp");
  if (kamailio == NULL || sipp == NULL)
    {
      g_print ("SKIP: needs kamailio and sipp\n");
      return;
    }
  const gchar *args[] = { "--stbs",   "2", "--subscribers",  "20", "--steps", "0,2",
                          "--cycles", "1", "--step-seconds", "0",  NULL };
  g_autofree gchar *out = NULL, *err = NULL;
  gint rc = stbsim_load (args, &out, &err);
  ck_assert_msg (rc == 0, "exit %d\n%s\n%s", rc, out, err);
  g_autofree gchar *reports = g_build_filename (tmpdir, "reports", NULL);
  g_autofree gchar *dir = sr_test_only_run_dir (reports);
  g_autofree gchar *path = g_build_filename (dir, "results.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  ck_assert_msg (json_parser_load_from_file (p, path, &error), "%s", error ? error->message : "");
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  ck_assert_str_eq (json_object_get_string_member (root, "verdict"), "pass");
  JsonObject *load = json_object_get_object_member (root, "load");
  ck_assert_int_eq (json_object_get_int_member (load, "stbs"), 2);
  JsonArray *steps = json_object_get_array_member (load, "steps");
  ck_assert_uint_eq (json_array_get_length (steps), 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *st = json_array_get_object_element (steps, i);
      ck_assert_int_eq (json_object_get_int_member (st, "failed_cycles"), 0);
      ck_assert_int_gt (json_object_get_int_member (st, "stb_pss_kib"), 0);
      JsonObject *hops = json_object_get_object_member (st, "hops");
      const gchar *names[] = { "callee-accept.key-to-video-page", "callee-accept.key-to-answer",
                               "callee.invite-to-dialog", "resume.end-to-iptv" };
      for (guint h = 0; h < G_N_ELEMENTS (names); h++)
        {
          JsonObject *hop = json_object_get_object_member (hops, names[h]);
          ck_assert_msg (hop != NULL, "no hop %s", names[h]);
          ck_assert_int_eq (json_object_get_int_member (hop, "n"), 2); /* one per STB */
          ck_assert (json_object_get_double_member (hop, "p50_ms") > 0);
        }
    }
  JsonArray *tests = json_object_get_array_member (root, "tests");
  ck_assert_uint_eq (json_array_get_length (tests), 2);
  JsonObject *t0 = json_array_get_object_element (tests, 0);
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (t0, "latencies")), 8);
  /* the background ran: the answering UAS saw calls at 2 calls/s */
  g_autofree gchar *log = g_build_filename (dir, "logs", "population.log", NULL);
  g_autofree gchar *pop = stbsim_test_read_file (log, 0);
  ck_assert_msg (strstr (pop, "REGISTER") != NULL, "population log: %.2000s", pop);
  g_autofree gchar *html_path = g_build_filename (dir, "report.html", NULL);
  g_autofree gchar *html = stbsim_test_read_file (html_path, 0);
  ck_assert (strstr (html, "Load curve") != NULL);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("sr-load");
  TCase *tc = tcase_create ("load");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 240);
  tcase_add_test (tc, test_usage_errors);
  tcase_add_test (tc, test_small_load_run);
  suite_add_tcase (s, tc);
  return stbsim_test_run (s);
}
